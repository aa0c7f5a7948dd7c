<?xml version="1.0" encoding="UTF-8"?>
<!--
  Plain-text views of a cable.
  diplomatic: the witness as transcribed, one block per line (the transcriber's title lines,
              the heading lines, the paragraphs, the closer).
  reading:    the cable as edited, then its editorial interventions, numbered, each with its
              place, both readings, kind, certainty, evidence and notes; then the witness
              variants, each with every witness's reading.
  witness:    one witness's text (ce:witness-text): the copy-text's is the diplomatic text.
  Run alone, it writes the view named by $view; the build calls ce:text() from edition.xsl.
-->
<xsl:stylesheet version="3.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  xmlns:ce="https://cable-edition.org/ns/xslt"
  exclude-result-prefixes="#all"
  expand-text="yes">

  <xsl:import href="common.xsl"/>

  <xsl:param name="view" as="xs:string" select="'reading'"/>

  <xsl:output method="text" encoding="UTF-8"/>

  <!-- The accumulators apply to the document. -->
  <xsl:mode use-accumulators="#all"/>

  <!-- The witnesses (their pointers, "#id") that lack the text at each point of a document,
       in one pass over it: a lacunaStart or witEnd begins a witness's absence, a lacunaEnd
       or witStart ends it, and a witness whose first event is a witStart lacks the text
       before it. A node's value (accumulator-before) is the state after the events that
       precede it (not the event itself): the last event before it decides. -->
  <xsl:accumulator name="ce:absent-witnesses" as="xs:string*" initial-value="()">
    <xsl:accumulator-rule match="tei:TEI" select="
        let $root := root(.) return
        distinct-values(.//(tei:lacunaStart | tei:lacunaEnd | tei:witStart | tei:witEnd) ! ce:wits(.))
          [key('ce:witness-events', ., $root)[1][self::tei:witStart]]"/>
    <!-- At the end of the (empty) event, so that the event itself is not yet past it. -->
    <xsl:accumulator-rule match="tei:lacunaStart | tei:witEnd" phase="end" select="distinct-values(($value, ce:wits(.)))"/>
    <xsl:accumulator-rule match="tei:lacunaEnd | tei:witStart" phase="end" select="$value[not(. = ce:wits(current()))]"/>
  </xsl:accumulator>

  <xsl:template match="/">
    <xsl:value-of select="ce:text(tei:TEI, $view)"/>
  </xsl:template>

  <!-- The whole view as one string: LF line ends and a final newline. -->
  <xsl:function name="ce:text" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="view" as="xs:string"/>
    <xsl:variable name="lines" as="xs:string*">
      <xsl:choose>
        <xsl:when test="$view = 'diplomatic'">
          <xsl:sequence select="ce:blocks($tei, 'diplomatic') ! ce:line(., 'diplomatic'), ce:archive-note-lines($tei)"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:sequence select="ce:reading-lines($tei)"/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:sequence select="string-join($lines, '&#10;') || '&#10;'"/>
  </xsl:function>

  <xsl:function name="ce:witness-text" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="witness" as="element(tei:witness)"/>
    <xsl:sequence select="string-join(ce:witness-lines($tei, $witness), '&#10;') || '&#10;'"/>
  </xsl:function>

  <!-- The heading block together, then each paragraph and the closer after a blank line,
       then the list of interventions and the list of witness variants. -->
  <xsl:function name="ce:reading-lines" as="xs:string*">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:for-each-group select="ce:blocks($tei, 'reading')" group-adjacent="exists(self::tei:item)">
      <xsl:if test="position() gt 1">
        <xsl:sequence select="''"/>
      </xsl:if>
      <xsl:sequence select="string-join(current-group() ! ce:line(., 'reading'),
                                        if (current-grouping-key()) then '&#10;' else '&#10;&#10;')"/>
    </xsl:for-each-group>
    <xsl:sequence select="ce:archive-note-lines($tei)"/>
    <xsl:variable name="interventions" select="ce:interventions($tei)"/>
    <xsl:if test="exists($interventions)">
      <xsl:sequence select="'', 'Editorial interventions', ''"/>
      <xsl:for-each select="$interventions">
        <xsl:sequence select="position() || '. ' || ce:describe(.)"/>
      </xsl:for-each>
    </xsl:if>
    <xsl:variable name="apps" select="$tei/tei:text//tei:app"/>
    <xsl:if test="exists($apps)">
      <xsl:sequence select="'', 'Witness variants', ''"/>
      <xsl:for-each select="$apps">
        <xsl:sequence select="position() || '. ' || ce:describe-variant(.)"/>
      </xsl:for-each>
    </xsl:if>
  </xsl:function>

  <!-- The archive's footnotes after the text, as it numbers them: "2. Supra." -->
  <xsl:function name="ce:archive-note-lines" as="xs:string*">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="notes" select="ce:archive-notes($tei)"/>
    <xsl:if test="exists($notes)">
      <xsl:sequence select="'', 'Notes by ' || ce:archive-name($tei), ''"/>
      <xsl:for-each select="$notes">
        <xsl:sequence select="normalize-space(@n || '. ' || ce:line(., 'reading'))"/>
      </xsl:for-each>
    </xsl:if>
  </xsl:function>

  <!-- One witness variant in a line, e.g.
       Heading (from): “UNations New York” T; “UNations, New York” P. -->
  <xsl:function name="ce:describe-variant" as="xs:string">
    <xsl:param name="app" as="element(tei:app)"/>
    <xsl:variable name="readings" select="ce:variant-readings($app) ! ('“' || ?text || '” ' || ?sigla || ?breaks)"/>
    <xsl:variable name="notes" select="ce:notes-on($app) ! ce:note-text(.)"/>
    <xsl:sequence select="upper-case(substring(ce:place($app), 1, 1)) || substring(ce:place($app), 2) || ': '
                          || string-join($readings, '; ') || '.' || string-join($notes ! (' Note: ' || .))"/>
  </xsl:function>

  <!-- One intervention in a sentence or three, e.g.
       Paragraph 1: “as” for “ass”. Correction; certainty high; evidence: P. -->
  <xsl:function name="ce:describe" as="xs:string">
    <xsl:param name="intervention" as="element()"/>
    <xsl:variable name="kind" select="ce:kind($intervention)"/>
    <xsl:variable name="readings" select="
        if ($kind = 'superfluous text')
        then '“' || ce:witness-reading($intervention) || '” omitted as superfluous'
        else '“' || ce:edited-reading($intervention) || '” for “'
             || ce:witness-reading($intervention) || '”'"/>
    <xsl:variable name="decision" select="ce:decision($intervention)"/>
    <xsl:variable name="facts" as="xs:string*" select="
        upper-case(substring($kind, 1, 1)) || substring($kind, 2),
        'certainty ' || ce:certainty($intervention),
        $decision/@reason ! ('reason: ' || .),
        (string-join(ce:sources($intervention), ', ')[.] ! ('evidence: ' || .))"/>
    <xsl:variable name="notes" select="ce:notes-on($intervention) ! ce:note-text(.)"/>
    <xsl:sequence select="upper-case(substring(ce:place($intervention), 1, 1))
                          || substring(ce:place($intervention), 2) || ': ' || $readings || '. '
                          || string-join($facts, '; ') || '.'
                          || string-join($notes ! (' Note: ' || .))"/>
  </xsl:function>

</xsl:stylesheet>
