<?xml version="1.0" encoding="UTF-8"?>
<!--
  Shared by every output stylesheet: which elements are interventions, what kind each is,
  its two readings, its place, its evidence; and the two text modes that pick each side of
  a choice BY NAME (never "the first child", so the order in which an editor wrote the pair
  cannot change the output).
-->
<xsl:stylesheet version="3.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  xmlns:ce="https://cable-edition.org/ns/xslt"
  exclude-result-prefixes="#all"
  expand-text="yes">

  <!-- The register of persons, organisations, places and documents (register.xml), passed
       in by the build so that no stylesheet ever reads a file by itself. -->
  <xsl:param name="register" as="document-node()?" select="()"/>

  <!-- Publication settings, from the project configuration ([tool.cable-edition]). -->
  <!-- Where the edition is published, ending in "/"; empty: pages link relatively. -->
  <xsl:param name="base-url" as="xs:string" select="''"/>
  <xsl:param name="publisher" as="xs:string" select="''"/>
  <xsl:param name="editors" as="xs:string*" select="()"/>
  <!-- CMIF wants a UUID as the id of its bibl: the build derives one from the base URL. -->
  <xsl:param name="cmif-source-id" as="xs:string" select="''"/>
  <!-- The CMIF file's date: the latest change of any document (the same in every build). -->
  <xsl:param name="cmif-date" as="xs:string" select="'1970-01-01'"/>
  <!-- The earliest change of any document: the OAI-PMH repository's earliest datestamp. -->
  <xsl:param name="earliest-date" as="xs:string" select="'1970-01-01'"/>
  <!-- Who answers for the OAI-PMH repository ([tool.cable-edition] admin-email). -->
  <xsl:param name="admin-email" as="xs:string" select="''"/>

  <!-- The edited side and the witness side of each intervention, by element name. -->
  <xsl:variable name="ce:edited-names" as="xs:string+" select="'corr', 'reg', 'expan'"/>
  <xsl:variable name="ce:witness-names" as="xs:string+" select="'sic', 'orig', 'abbr'"/>
  <xsl:variable name="ce:kinds" as="map(xs:string, xs:string)" select="map {
      'corr': 'correction', 'reg': 'regularisation', 'expan': 'expansion', 'surplus': 'superfluous text' }"/>

  <!-- Look-ups by id and by note target, so that no function scans a whole document. -->
  <xsl:key name="ce:by-id" match="*[@xml:id]" use="@xml:id"/>
  <xsl:key name="ce:notes-by-target" match="tei:note[@target]"
           use="tokenize(@target) ! substring-after(., '#')"/>
  <!-- Where each witness breaks off or resumes, by its pointer ("#id"). -->
  <xsl:key name="ce:witness-events" match="tei:lacunaStart | tei:lacunaEnd | tei:witStart | tei:witEnd"
           use="ce:wits(.)"/>

  <!-- ============================ functions ============================ -->

  <!-- Only http(s) URLs, same-document fragments and plain relative paths become links. -->
  <xsl:function name="ce:safe-href" as="xs:string?">
    <xsl:param name="url" as="xs:string?"/>
    <xsl:sequence select="$url[matches(., '^(https?://[^\s&quot;&lt;&gt;]+|#[\w.-]+|[\w.-]+(#[\w.-]+)?)$')]"/>
  </xsl:function>

  <!-- JSON to stand inside an HTML <script>: "<", ">" and "&" only ever occur inside JSON
       strings, where their \u escapes mean the same, so no text can close the element or
       open a comment in it. -->
  <xsl:function name="ce:json-for-script" as="xs:string">
    <xsl:param name="value" as="item()*"/>
    <xsl:sequence select="serialize($value, map { 'method': 'json', 'indent': true() })
                          => replace('&lt;', '\\u003c') => replace('&gt;', '\\u003e') => replace('&amp;', '\\u0026')"/>
  </xsl:function>

  <!-- The published address of a document's page ('' where no base URL is set). -->
  <xsl:function name="ce:document-url" as="xs:string">
    <xsl:param name="id" as="xs:string"/>
    <xsl:sequence select="if ($base-url) then $base-url || $id || '/' else ''"/>
  </xsl:function>

  <xsl:function name="ce:document-id" as="xs:string">
    <xsl:param name="node" as="node()"/>
    <xsl:sequence select="string(root($node)/tei:TEI/@xml:id)"/>
  </xsl:function>

  <!-- ============================================================ the cable's facts -->

  <!-- What the document is, as its titles say: "Telegram" (an archive's printed telegram:
       the first word of the archive's title), else "Code cable". -->
  <xsl:function name="ce:document-kind" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="archival" select="$tei/tei:teiHeader//tei:bibl[@type = 'cable']/tei:title[@type = 'archival']"/>
    <xsl:sequence select="if ($tei/tei:text/tei:body/tei:div[@type = 'telegram'])
                          then (tokenize(normalize-space($archival))[1], 'Telegram')[1] else 'Code cable'"/>
  </xsl:function>

  <!-- Who an action of a document's entry names as its party: its persons, else its
       organisations (a cable from a person of an office names the person). -->
  <xsl:function name="ce:parties" as="element()*">
    <xsl:param name="action" as="element()?"/>
    <xsl:sequence select="($action/person, $action/org[empty($action/person)])"/>
  </xsl:function>

  <!-- The action addressees, and the information addressees ("Repeated to"), apart. -->
  <xsl:function name="ce:action-addressees" as="element(tei:correspAction)?">
    <xsl:param name="header" as="element(tei:teiHeader)"/>
    <xsl:sequence select="$header//tei:correspAction[@type = 'received'][not(@subtype = 'info')][1]"/>
  </xsl:function>
  <xsl:function name="ce:info-action" as="element(tei:correspAction)?">
    <xsl:param name="header" as="element(tei:teiHeader)"/>
    <xsl:sequence select="$header//tei:correspAction[@type = 'received'][@subtype = 'info'][1]"/>
  </xsl:function>

  <!-- The label of each kind of marking, and a sentence of them for a description. -->
  <xsl:variable name="ce:marking-labels" select="map { 'classification': 'Classification',
                                                        'precedence': 'Precedence', 'handling': 'Handling' }"/>
  <xsl:function name="ce:marking-sentence" as="xs:string">
    <xsl:param name="cable" as="element(tei:bibl)?"/>
    <xsl:param name="kind" as="xs:string"/>
    <xsl:variable name="values" select="$cable/tei:note[@type = $kind] ! normalize-space(.)"/>
    <xsl:sequence select="if (exists($values)) then $ce:marking-labels($kind) || ': ' || string-join($values, '; ') || '. '
                          else ''"/>
  </xsl:function>

  <!-- The archive's footnotes in the text, and the id each is linked by ("<doc>-fn1"…). -->
  <xsl:function name="ce:archive-notes" as="element(tei:note)*">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="$tei/tei:text//tei:note[@type = 'archive']"/>
  </xsl:function>
  <xsl:function name="ce:archive-note-id" as="xs:string">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:sequence select="ce:document-id($note) || '-fn' || (count($note/preceding::tei:note[@type = 'archive']) + 1)"/>
  </xsl:function>
  <!-- Who wrote the archive's notes (its respStmt), for a heading. -->
  <xsl:function name="ce:archive-name" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="idno" select="$tei/tei:teiHeader//tei:bibl[@type = 'cable']/tei:idno[@type = 'archive'][1]"/>
    <xsl:sequence select="(upper-case($idno/@subtype), 'the archive')[1]"/>
  </xsl:function>

  <!-- A draft still holds placeholders (left by the importer): it is never exported, and
       its page is published only when the build is asked to (build -\-drafts). -->
  <xsl:function name="ce:is-draft" as="xs:boolean" cache="yes">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="exists($tei//*[@type = 'placeholder'])"/>
  </xsl:function>

  <!-- Every editorial intervention of a document, in document order. -->
  <xsl:function name="ce:interventions" as="element()*">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="$tei/tei:text//(tei:choice | tei:surplus)"/>
  </xsl:function>

  <xsl:function name="ce:edited-side" as="element()?">
    <xsl:param name="intervention" as="element()"/>
    <xsl:sequence select="$intervention/*[local-name() = $ce:edited-names]"/>
  </xsl:function>

  <xsl:function name="ce:witness-side" as="element()?">
    <xsl:param name="intervention" as="element()"/>
    <xsl:sequence select="if ($intervention/self::tei:surplus) then $intervention
                          else $intervention/*[local-name() = $ce:witness-names]"/>
  </xsl:function>

  <!-- The element that carries @resp, @cert and @source for an intervention. -->
  <xsl:function name="ce:decision" as="element()?">
    <xsl:param name="intervention" as="element()"/>
    <xsl:sequence select="if ($intervention/self::tei:surplus) then $intervention
                          else ce:edited-side($intervention)"/>
  </xsl:function>

  <xsl:function name="ce:kind" as="xs:string">
    <xsl:param name="intervention" as="element()"/>
    <xsl:sequence select="$ce:kinds(local-name(ce:decision($intervention)))"/>
  </xsl:function>

  <!-- What the witness reads, and what the edition reads (empty for surplus). -->
  <xsl:function name="ce:witness-reading" as="xs:string" cache="yes">
    <xsl:param name="intervention" as="element()"/>
    <xsl:variable name="parts" as="xs:string*">
      <xsl:apply-templates select="ce:witness-side($intervention)/node()" mode="diplomatic"/>
    </xsl:variable>
    <xsl:sequence select="normalize-space(string-join($parts))"/>
  </xsl:function>

  <xsl:function name="ce:edited-reading" as="xs:string" cache="yes">
    <xsl:param name="intervention" as="element()"/>
    <xsl:variable name="parts" as="xs:string*">
      <xsl:apply-templates select="ce:edited-side($intervention)/node()" mode="reading"/>
    </xsl:variable>
    <xsl:sequence select="normalize-space(string-join($parts))"/>
  </xsl:function>

  <xsl:function name="ce:certainty" as="xs:string">
    <xsl:param name="intervention" as="element()"/>
    <xsl:sequence select="(ce:decision($intervention)/@cert/string(), 'not stated')[1]"/>
  </xsl:function>

  <!-- Where an element stands, for a reader: "paragraph 7", "heading (to)", "closer". -->
  <xsl:function name="ce:place" as="xs:string" cache="yes">
    <xsl:param name="node" as="node()"/>
    <xsl:variable name="block" select="$node/ancestor-or-self::*[self::tei:p[@n] or self::tei:item
                                        or self::tei:closer or self::tei:ab or self::tei:cit][1]"/>
    <xsl:sequence select="if ($block/self::tei:p) then 'paragraph ' || $block/@n
                          else if ($block/self::tei:item) then 'heading (' || $block/@n || ')'
                          else if ($block/self::tei:closer) then 'closer'
                          else if ($block/self::tei:ab) then 'transcriber''s title'
                          else if ($block/self::tei:cit) then 'quotation ' || (count($block/preceding-sibling::tei:cit) + 1)
                          else 'text'"/>
  </xsl:function>

  <!-- Notes whose @target names this element. -->
  <xsl:function name="ce:notes-on" as="element(tei:note)*">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="if ($element/@xml:id)
                          then key('ce:notes-by-target', string($element/@xml:id), root($element)) else ()"/>
  </xsl:function>

  <!-- The witnesses named in @source, by their sigla (T, P). -->
  <xsl:function name="ce:sources" as="xs:string*">
    <xsl:param name="intervention" as="element()"/>
    <xsl:variable name="tei" select="root($intervention)"/>
    <xsl:for-each select="tokenize(ce:decision($intervention)/@source)">
      <xsl:variable name="target" select="key('ce:by-id', substring-after(current(), '#'), $tei)"/>
      <xsl:sequence select="($target/tei:abbr/string(), string($target/@xml:id))[1]"/>
    </xsl:for-each>
  </xsl:function>

  <!-- A note as plain text (its refs read as their text). -->
  <xsl:function name="ce:note-text" as="xs:string">
    <xsl:param name="note" as="element(tei:note)"/>
    <xsl:sequence select="normalize-space($note)"/>
  </xsl:function>

  <!-- The record in the register (or in the document) that a pointer names. -->
  <xsl:function name="ce:record" as="element()?">
    <xsl:param name="pointer" as="xs:string?"/>
    <xsl:param name="context" as="node()"/>
    <xsl:variable name="id" select="substring-after($pointer, '#')"/>
    <xsl:sequence select="if (starts-with($pointer, '#')) then key('ce:by-id', $id, root($context))
                          else if (exists($register)) then key('ce:by-id', $id, $register) else ()"/>
  </xsl:function>

  <!-- The name a register record goes by. -->
  <xsl:function name="ce:record-name" as="xs:string" cache="yes">
    <xsl:param name="record" as="element()?"/>
    <xsl:sequence select="normalize-space(($record/(tei:persName, tei:orgName, tei:placeName, tei:title))[1])"/>
  </xsl:function>

  <!-- What a register record says of itself (its note), as one line; the page's index and
       the JSON both give it. -->
  <xsl:function name="ce:record-note" as="xs:string" cache="yes">
    <xsl:param name="record" as="element()?"/>
    <xsl:sequence select="normalize-space($record/tei:note[1])"/>
  </xsl:function>

  <!-- One block (a line of the heading, a paragraph, the closer) as one line of text. -->
  <xsl:function name="ce:line" as="xs:string" cache="yes">
    <xsl:param name="block" as="element()"/>
    <xsl:param name="view" as="xs:string"/>
    <xsl:variable name="parts" as="xs:string*">
      <xsl:choose>
        <xsl:when test="$view = 'diplomatic'">
          <xsl:apply-templates select="$block/node()" mode="diplomatic"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:apply-templates select="$block/node()" mode="reading"/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:sequence select="normalize-space(string-join($parts))"/>
  </xsl:function>

  <!-- The text blocks of a view, in order: the transcriber's title lines belong to the
       witness only. -->
  <xsl:function name="ce:blocks" as="element()*">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="view" as="xs:string"/>
    <xsl:sequence select="($tei/tei:text/tei:front[$view = 'diplomatic'], $tei/tei:text/tei:body)
                          //(tei:ab | tei:item | tei:dateline | tei:p | tei:closer | tei:cit)"/>
  </xsl:function>

  <!-- ============================ witnesses ============================ -->

  <!-- The witnesses of listWit; the first is the copy-text (the diplomatic text). -->
  <xsl:function name="ce:witnesses" as="element(tei:witness)*">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="$tei/tei:teiHeader/tei:fileDesc/tei:sourceDesc/tei:listWit/tei:witness"/>
  </xsl:function>

  <xsl:function name="ce:siglum" as="xs:string">
    <xsl:param name="witness" as="element(tei:witness)"/>
    <xsl:sequence select="normalize-space($witness/tei:abbr[1])"/>
  </xsl:function>

  <!-- The witnesses a reading, or a break in a witness, names: its own @wit, or its
       reading's. -->
  <xsl:function name="ce:wits" as="xs:string*">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="tokenize(($element/@wit, $element/ancestor::*[self::tei:lem or self::tei:rdg][1]/@wit)[1])"/>
  </xsl:function>

  <!-- A witness's reading at an app: the rdg that names it, else the lemma (a witness an
       app does not name reads as the copy-text, as the header declares). -->
  <xsl:function name="ce:reading-of" as="element()">
    <xsl:param name="app" as="element(tei:app)"/>
    <xsl:param name="wit" as="xs:string"/>
    <xsl:sequence select="($app/tei:rdg[tokenize(@wit) = $wit], $app/tei:lem)[1]"/>
  </xsl:function>

  <!-- Whether a witness lacks a node (the accumulator is declared in text.xsl: common.xsl is
       imported by several modules, and an accumulator may be declared only once). -->
  <xsl:function name="ce:absent" as="xs:boolean">
    <xsl:param name="node" as="node()"/>
    <xsl:param name="wit" as="xs:string"/>
    <xsl:sequence select="$node/accumulator-before('ce:absent-witnesses') = $wit"/>
  </xsl:function>

  <!-- Whether a witness lacks a node as a whole: it lacks the text where the node begins
       and does not take it up within it (by a witStart or lacunaEnd of its own, the node
       itself or inside it). A paragraph in which a witness begins or resumes is the
       witness's, from that point. -->
  <xsl:function name="ce:lacks" as="xs:boolean">
    <xsl:param name="node" as="node()"/>
    <xsl:param name="wit" as="xs:string"/>
    <xsl:sequence select="ce:absent($node, $wit)
                          and empty(key('ce:witness-events', $wit, root($node))[self::tei:lacunaEnd or self::tei:witStart]
                                    [ancestor-or-self::node()[. is $node]])"/>
  </xsl:function>

  <!-- The sigla of the witnesses (other than the copy-text) that lack a node as a whole, in
       the order of listWit. -->
  <xsl:function name="ce:absent-sigla" as="xs:string*">
    <xsl:param name="node" as="node()"/>
    <xsl:sequence select="if (empty($node/accumulator-before('ce:absent-witnesses'))) then ()
                          else ce:witnesses(root($node)/tei:TEI)[position() gt 1][ce:lacks($node, '#' || @xml:id)]
                               ! ce:siglum(.)"/>
  </xsl:function>

  <!-- What a break in a witness says, in every view that shows it. -->
  <xsl:function name="ce:break-marker" as="xs:string">
    <xsl:param name="event" as="element()"/>
    <xsl:param name="siglum" as="xs:string"/>
    <xsl:sequence select="'[' || $siglum || ' ' || map {
        'lacunaStart': 'breaks off here', 'lacunaEnd': 'resumes here',
        'witStart': 'begins here', 'witEnd': 'ends here' }(local-name($event)) || ']'"/>
  </xsl:function>

  <!-- The lines of a witness's text: the copy-text's is the diplomatic text; another's is
       the cable (without the copy-text's title lines) with its readings, the lines it lacks
       left out, and its breaks marked. -->
  <xsl:function name="ce:witness-lines" as="xs:string*">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="witness" as="element(tei:witness)"/>
    <xsl:variable name="wit" select="'#' || $witness/@xml:id"/>
    <xsl:choose>
      <xsl:when test="$witness is ce:witnesses($tei)[1]">
        <xsl:sequence select="ce:blocks($tei, 'diplomatic') ! ce:line(., 'diplomatic')"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:for-each select="ce:blocks($tei, 'reading')[not(ce:lacks(., $wit))]">
          <xsl:variable name="parts" as="xs:string*">
            <xsl:apply-templates select="node()" mode="witness">
              <xsl:with-param name="wit" select="$wit" tunnel="yes"/>
              <xsl:with-param name="siglum" select="ce:siglum($witness)" tunnel="yes"/>
            </xsl:apply-templates>
          </xsl:variable>
          <xsl:sequence select="normalize-space(string-join($parts))"/>
        </xsl:for-each>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:function>

  <!-- The sigla of the witnesses that read a reading: those its @wit names; for the lemma,
       also those the app does not name (they read as the copy-text there, as the header
       declares), unless they lack the place. -->
  <xsl:function name="ce:reading-sigla" as="xs:string*">
    <xsl:param name="reading" as="element()"/>
    <xsl:sequence select="(ce:wits($reading), $reading/self::tei:lem/ce:silent-witnesses(parent::tei:app))
                          ! ce:record(., $reading)/tei:abbr ! normalize-space()"/>
  </xsl:function>

  <xsl:function name="ce:silent-witnesses" as="xs:string*" cache="yes">
    <xsl:param name="app" as="element(tei:app)"/>
    <xsl:variable name="named" select="$app/(tei:lem | tei:rdg)/tokenize(@wit)"/>
    <xsl:variable name="witnesses" select="ce:witnesses(root($app)/tei:TEI)"/>
    <xsl:sequence select="if (count($witnesses) le count($named)) then ()
                          else $witnesses[not('#' || @xml:id = $named)][not(ce:absent($app, '#' || @xml:id))]
                               ! ('#' || @xml:id)"/>
  </xsl:function>

  <!-- A witness variant as plain text, in context: "Booh-Booh / Dallaire" (T), with a word
       either side where a reading is only spacing or punctuation. Cached: the page, the
       reading text and the JSON each list the variants (measured: 2-3 ms a document). -->
  <xsl:function name="ce:variant-readings" as="map(xs:string, xs:string)*" cache="yes">
    <xsl:param name="app" as="element(tei:app)"/>
    <xsl:variable name="block" select="$app/ancestor::*[self::tei:p or self::tei:item or self::tei:closer][1]"/>
    <xsl:variable name="plain" select="$block//text()[not(ancestor::*[self::tei:rdg or self::tei:note
                                        or local-name() = $ce:edited-names])]"/>
    <xsl:variable name="text-before" select="string-join($plain[. &lt;&lt; $app])"/>
    <xsl:variable name="text-after" select="string-join($plain[. >> $app][not(ancestor::tei:app[. is $app])])"/>
    <xsl:variable name="before" select="tokenize(replace($text-before, '[^\w\s-]+$', ''))[last()]
                                        || ' '[matches($text-before, '\s$')]"/>
    <xsl:variable name="after" select="' '[matches($text-after, '^\s')]
                                       || replace(tokenize(replace($text-after, '^[^\w\s-]+', ''))[1], '[^\w-]+$', '')"/>
    <xsl:for-each select="$app/(tei:lem | tei:rdg)">
      <xsl:variable name="parts" as="xs:string*">
        <xsl:apply-templates select="node()" mode="witness">
          <xsl:with-param name="wit" select="ce:wits(.)[1]" tunnel="yes"/>
          <xsl:with-param name="siglum" select="''" tunnel="yes"/>
        </xsl:apply-templates>
      </xsl:variable>
      <xsl:variable name="own" select="string-join($parts)"/>
      <xsl:variable name="bare" select="not(matches($own, '\w\w'))"/>
      <xsl:sequence select="map {
          'text': normalize-space(string-join((($before, '')[$bare][1] || $own || ($after, '')[$bare][1]))),
          'sigla': string-join(ce:reading-sigla(.), ' '),
          'breaks': string-join(.//(tei:lacunaStart | tei:witEnd) ! ' breaks off here') }"/>
    </xsl:for-each>
  </xsl:function>

  <!-- ==================== the two sides of the text ==================== -->

  <!-- diplomatic: the witness as transcribed -->
  <xsl:mode name="diplomatic" on-no-match="text-only-copy"/>
  <xsl:template match="tei:choice" mode="diplomatic">
    <xsl:apply-templates select="*[local-name() = $ce:witness-names]" mode="#current"/>
  </xsl:template>
  <xsl:template match="tei:note" mode="diplomatic"/>
  <!-- In every text view: a gap as its mark, a quotation in quotation marks with its source. -->
  <xsl:template match="tei:gap" mode="diplomatic reading witness">[{normalize-space(tei:desc)}]</xsl:template>
  <xsl:template match="tei:cit/tei:quote" mode="diplomatic reading witness">“<xsl:apply-templates mode="#current"/>”</xsl:template>
  <xsl:template match="tei:cit/tei:bibl" mode="diplomatic reading witness"> ({normalize-space(.)})</xsl:template>
  <xsl:template match="tei:app" mode="diplomatic reading">
    <xsl:apply-templates select="tei:lem/node()" mode="#current"/>
  </xsl:template>

  <!-- witness: one witness's text (its readings, the witness side of interventions, nothing
       it lacks, its breaks marked); $wit is its pointer, $siglum its siglum ('' for no
       marks). -->
  <xsl:mode name="witness" on-no-match="shallow-skip"/>
  <xsl:template match="text()" mode="witness">
    <xsl:param name="wit" as="xs:string" tunnel="yes"/>
    <xsl:if test="not(ce:absent(., $wit))">
      <xsl:value-of select="."/>
    </xsl:if>
  </xsl:template>
  <xsl:template match="tei:app" mode="witness">
    <xsl:param name="wit" as="xs:string" tunnel="yes"/>
    <xsl:apply-templates select="ce:reading-of(., $wit)/node()" mode="#current"/>
  </xsl:template>
  <xsl:template match="tei:choice" mode="witness">
    <xsl:apply-templates select="*[local-name() = $ce:witness-names]" mode="#current"/>
  </xsl:template>
  <xsl:template match="tei:lacunaStart | tei:lacunaEnd | tei:witStart | tei:witEnd" mode="witness">
    <xsl:param name="wit" as="xs:string" tunnel="yes"/>
    <xsl:param name="siglum" as="xs:string" tunnel="yes"/>
    <xsl:if test="$siglum and ce:wits(.) = $wit">
      <xsl:text> {ce:break-marker(., $siglum)} </xsl:text>
    </xsl:if>
  </xsl:template>
  <xsl:template match="tei:note" mode="witness"/>

  <!-- reading: the text as edited -->
  <xsl:mode name="reading" on-no-match="text-only-copy"/>
  <xsl:template match="tei:choice" mode="reading">
    <xsl:apply-templates select="*[local-name() = $ce:edited-names]" mode="#current"/>
  </xsl:template>
  <xsl:template match="tei:surplus | tei:note" mode="reading"/>

</xsl:stylesheet>
