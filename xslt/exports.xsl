<?xml version="1.0" encoding="UTF-8"?>
<!--
  Exchange formats for archives and aggregators.
  Per document:   the entry (what every collection-level output needs to know of it, so the
                  document is never read again), an oai_dc Dublin Core record, a JSON record.
  Per collection: a CMIF 1.1 file and a JSON list, made from the entries alone.
  JSON is written through xml-to-json() from the XPath functions' XML form, so that the
  order of keys is fixed and every build of the same input is byte for byte the same.
-->
<xsl:stylesheet version="3.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  xmlns:ce="https://cable-edition.org/ns/xslt"
  xmlns:fn="http://www.w3.org/2005/xpath-functions"
  xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  exclude-result-prefixes="#all"
  expand-text="yes">

  <xsl:import href="common.xsl"/>

  <!-- ========================================================= authority URIs -->

  <!-- The identifier an aggregator matches on: GeoNames first for places, then VIAF,
       then Wikidata; only identifiers in the register, which holds verified ones only. -->
  <xsl:function name="ce:authority" as="xs:string">
    <xsl:param name="record" as="element()?"/>
    <xsl:variable name="order" select="if ($record/self::tei:place) then ('geonames', 'viaf', 'wikidata')
                                       else ('viaf', 'wikidata', 'geonames')"/>
    <xsl:sequence select="string((for $type in $order return $record/tei:idno[@type = $type])[1] ! normalize-space(.))"/>
  </xsl:function>


  <!-- ============================================================== the entry -->

  <xsl:template name="ce:entry">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="header" select="$tei/tei:teiHeader"/>
    <xsl:variable name="cable" select="$header//tei:bibl[@type = 'cable'][1]"/>
    <xsl:variable name="sent" select="$header//tei:correspAction[@type = 'sent'][1]"/>
    <document id="{$tei/@xml:id}" when="{$sent/tei:date/@when}" date="{normalize-space($sent/tei:date)}"
              number="{normalize-space($cable/tei:idno[@type = 'cable-number'][1])}"
              subject="{normalize-space($cable/tei:title[@type = 'subject'][1])}"
              title="{normalize-space($header//tei:titleStmt/tei:title[@type = 'main'][1])}"
              url="{ce:document-url($tei/@xml:id)}"
              changed="{max($header//tei:revisionDesc/tei:change/@when ! string(.))}"
              licence="{($header//tei:licence/@target)[1]}">
      <xsl:for-each select="$header//tei:correspAction">
        <action type="{@type}">
          <xsl:for-each select="tei:persName | tei:orgName | tei:placeName">
            <xsl:element name="{map { 'persName': 'person', 'orgName': 'org', 'placeName': 'place' }(local-name())}">
              <xsl:attribute name="name" select="normalize-space(.)"/>
              <xsl:attribute name="ref" select="ce:authority(ce:record(@ref, .))"/>
            </xsl:element>
          </xsl:for-each>
          <xsl:for-each select="tei:date[@when]">
            <date when="{@when}">{normalize-space(.)}</date>
          </xsl:for-each>
        </action>
      </xsl:for-each>
      <xsl:for-each select="$header//tei:correspContext/tei:ref[@type = 'replyTo']">
        <reply-to>{normalize-space(ce:record(@target, .)/tei:idno[1])}</reply-to>
      </xsl:for-each>
    </document>
  </xsl:template>

  <!-- ======================================================= Dublin Core record -->

  <xsl:template name="ce:dc-record">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="header" select="$tei/tei:teiHeader"/>
    <xsl:variable name="cable" select="$header//tei:bibl[@type = 'cable'][1]"/>
    <xsl:variable name="sent" select="$header//tei:correspAction[@type = 'sent'][1]"/>
    <xsl:variable name="received" select="$header//tei:correspAction[@type = 'received'][1]"/>
    <oai_dc:dc xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
      xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd">
      <xsl:namespace name="dc" select="'http://purl.org/dc/elements/1.1/'"/>
      <dc:title>{normalize-space($header//tei:titleStmt/tei:title[@type = 'main'][1])}</dc:title>
      <xsl:for-each select="$sent/tei:persName">
        <dc:creator>{normalize-space(.)}</dc:creator>
      </xsl:for-each>
      <xsl:for-each select="$received/tei:persName">
        <dc:contributor>{normalize-space(.)} (recipient)</dc:contributor>
      </xsl:for-each>
      <xsl:for-each select="$sent/tei:date/@when">
        <dc:date>{.}</dc:date>
      </xsl:for-each>
      <dc:description>{normalize-space('Code cable ' || normalize-space($cable/tei:idno[1]) || ', “'
        || normalize-space($cable/tei:title[1]) || '”, from '
        || string-join($sent/(tei:persName, tei:orgName, tei:placeName) ! normalize-space(.), ', ') || ' to '
        || string-join($received/(tei:persName, tei:orgName, tei:placeName) ! normalize-space(.), ', ') || '. '
        || (if ($cable/tei:note[@type = 'handling'])
            then 'Handling: ' || string-join($cable/tei:note[@type = 'handling'] ! normalize-space(.), '; ') || '. ' else '')
        || 'A scholarly edition in TEI with ' || count(ce:interventions($tei)) || ' recorded editorial interventions.')}</dc:description>
      <dc:subject>{normalize-space($cable/tei:title[@type = 'subject'][1])}</dc:subject>
      <xsl:for-each-group select="$tei/tei:text//(tei:persName | tei:orgName | tei:placeName | tei:rs)" group-by="@ref">
        <xsl:sort select="current-grouping-key()"/>
        <dc:subject>{ce:record-label(ce:record(current-grouping-key(), .))}</dc:subject>
      </xsl:for-each-group>
      <dc:publisher>{normalize-space($header//tei:publisher[1])}</dc:publisher>
      <dc:type>Text</dc:type>
      <dc:format>application/tei+xml</dc:format>
      <dc:identifier>{ce:document-url($tei/@xml:id)}</dc:identifier>
      <dc:identifier>{normalize-space($cable/tei:idno[1])}</dc:identifier>
      <dc:source>{string-join($header//tei:listWit/tei:witness ! normalize-space(.), ' ')}</dc:source>
      <xsl:for-each select="$header//tei:correspContext/tei:ref[@type = 'replyTo']">
        <dc:relation>In reply to {normalize-space(ce:record(@target, .)/tei:idno[1])}</dc:relation>
      </xsl:for-each>
      <dc:language>{($tei/@xml:lang, 'en')[1]}</dc:language>
      <dc:rights>{normalize-space(($header//tei:licence)[1])} {($header//tei:licence/@target)[1]}</dc:rights>
    </oai_dc:dc>
  </xsl:template>

  <xsl:function name="ce:record-label" as="xs:string">
    <xsl:param name="record" as="element()?"/>
    <xsl:sequence select="normalize-space(($record/(tei:persName, tei:orgName, tei:placeName, tei:title))[1])"/>
  </xsl:function>

  <!-- ============================================================ JSON helpers -->

  <xsl:function name="ce:json-string" as="element(fn:string)">
    <xsl:param name="key" as="xs:string?"/>
    <xsl:param name="value" as="xs:string?"/>
    <fn:string>
      <xsl:if test="$key"><xsl:attribute name="key" select="$key"/></xsl:if>
      <xsl:sequence select="string($value)"/>
    </fn:string>
  </xsl:function>

  <xsl:function name="ce:json-strings" as="element(fn:array)">
    <xsl:param name="key" as="xs:string"/>
    <xsl:param name="values" as="xs:string*"/>
    <fn:array key="{$key}">
      <xsl:sequence select="$values ! ce:json-string((), .)"/>
    </fn:array>
  </xsl:function>

  <xsl:function name="ce:json" as="xs:string">
    <xsl:param name="tree" as="element(fn:map)"/>
    <xsl:sequence select="xml-to-json($tree) || '&#10;'"/>
  </xsl:function>

  <!-- ======================================================= JSON per document -->

  <xsl:template name="ce:document-json">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="entry" as="element(document)"/>
    <xsl:variable name="id" select="string($tei/@xml:id)"/>
    <xsl:variable name="names" select="$tei/tei:text//*[self::tei:persName or self::tei:orgName or self::tei:placeName
                                        or self::tei:rs or self::tei:ref[@type = 'document']]"/>
    <xsl:variable name="tree" as="element(fn:map)">
      <fn:map>
        <xsl:apply-templates select="$entry" mode="json-entry"/>
        <fn:map key="files">
          <xsl:sequence select="ce:json-string('html', 'index.html'), ce:json-string('tei', $id || '.xml'),
                                ce:json-string('reading', $id || '.reading.txt'),
                                ce:json-string('diplomatic', $id || '.diplomatic.txt'),
                                ce:json-string('dublinCore', $id || '.dc.xml')"/>
        </fn:map>
        <fn:array key="interventions">
          <xsl:for-each select="ce:interventions($tei)">
            <fn:map>
              <xsl:sequence select="ce:json-string('id', @xml:id), ce:json-string('kind', ce:kind(.)),
                                    ce:json-string('place', ce:place(.)),
                                    ce:json-string('witnessReading', ce:witness-reading(.)),
                                    ce:json-string('editedReading', if (self::tei:surplus) then '' else ce:edited-reading(.)),
                                    ce:json-string('certainty', ce:certainty(.)),
                                    ce:json-string('resp', ce:decision(.)/@resp),
                                    ce:json-strings('evidence', ce:sources(.)),
                                    ce:json-strings('notes', ce:notes-on(.) ! ce:note-text(.))"/>
              <xsl:if test="ce:decision(.)/@reason">
                <xsl:sequence select="ce:json-string('reason', ce:decision(.)/@reason)"/>
              </xsl:if>
            </fn:map>
          </xsl:for-each>
        </fn:array>
        <fn:array key="entities">
          <xsl:for-each-group select="$names" group-by="(@ref, @target)[1]">
            <xsl:variable name="record" select="ce:record(current-grouping-key(), .)"/>
            <fn:map>
              <xsl:sequence select="ce:json-string('id', $record/@xml:id),
                                    ce:json-string('type', map { 'person': 'person', 'org': 'organisation',
                                                                 'place': 'place', 'bibl': 'document' }(local-name($record))),
                                    ce:json-string('name', ce:record-label($record)),
                                    ce:json-string('description', normalize-space($record/tei:note[1])),
                                    ce:json-strings('authority', $record/tei:idno[@type = ('wikidata', 'geonames', 'viaf')] ! normalize-space(.))"/>
              <fn:array key="occurrences">
                <xsl:for-each select="current-group()">
                  <fn:map>
                    <xsl:sequence select="ce:json-string('place', ce:place(.)),
                                          ce:json-string('reading', ce:line(., 'reading')),
                                          ce:json-string('diplomatic', ce:line(., 'diplomatic'))"/>
                  </fn:map>
                </xsl:for-each>
              </fn:array>
            </fn:map>
          </xsl:for-each-group>
        </fn:array>
      </fn:map>
    </xsl:variable>
    <xsl:sequence select="ce:json($tree)"/>
  </xsl:template>

  <!-- An entry as JSON members (shared by the document and the collection JSON). -->
  <xsl:mode name="json-entry" on-no-match="shallow-skip"/>
  <xsl:template match="document" mode="json-entry">
    <xsl:sequence select="ce:json-string('id', @id), ce:json-string('url', @url), ce:json-string('title', @title),
                          ce:json-string('number', @number), ce:json-string('subject', @subject),
                          ce:json-string('date', @when), ce:json-string('dateText', @date)"/>
    <xsl:for-each select="action">
      <fn:map key="{@type}">
        <xsl:for-each-group select="person, org, place" group-by="local-name()">
          <fn:array key="{map { 'person': 'persons', 'org': 'organisations', 'place': 'places' }(current-grouping-key())}">
            <xsl:for-each select="current-group()">
              <fn:map>
                <xsl:sequence select="ce:json-string('name', @name)"/>
                <xsl:if test="@ref != ''"><xsl:sequence select="ce:json-string('authority', @ref)"/></xsl:if>
              </fn:map>
            </xsl:for-each>
          </fn:array>
        </xsl:for-each-group>
        <xsl:for-each select="date">
          <xsl:sequence select="ce:json-string('date', @when)"/>
        </xsl:for-each>
      </fn:map>
    </xsl:for-each>
    <xsl:sequence select="ce:json-strings('inReplyTo', reply-to ! string(.)), ce:json-string('licence', @licence)"/>
  </xsl:template>

  <!-- ===================================================== JSON for the collection -->

  <xsl:template name="ce:collection-json">
    <xsl:param name="documents" as="element(document)*"/>
    <xsl:variable name="tree" as="element(fn:map)">
      <fn:map>
        <xsl:sequence select="ce:json-string('publisher', $publisher), ce:json-string('baseUrl', $base-url)"/>
        <fn:array key="documents">
          <xsl:for-each select="$documents">
            <xsl:sort select="@when"/>
            <xsl:sort select="@id"/>
            <fn:map>
              <xsl:apply-templates select="." mode="json-entry"/>
              <xsl:sequence select="ce:json-string('json', @id || '/' || @id || '.json')"/>
            </fn:map>
          </xsl:for-each>
        </fn:array>
      </fn:map>
    </xsl:variable>
    <xsl:sequence select="ce:json($tree)"/>
  </xsl:template>

  <!-- ================================================================== CMIF 1.1 -->

  <xsl:template name="ce:cmif">
    <xsl:param name="documents" as="element(document)*"/>
    <xsl:variable name="bibl-id" select="$cmif-source-id"/>
    <TEI xmlns="http://www.tei-c.org/ns/1.0">
      <teiHeader>
        <fileDesc>
          <titleStmt>
            <title>Correspondence metadata of the cable-edition collection ({$publisher})</title>
            <xsl:for-each select="$editors">
              <editor>{.}</editor>
            </xsl:for-each>
          </titleStmt>
          <publicationStmt>
            <publisher><ref target="{$base-url}">{$publisher}</ref></publisher>
            <idno type="url">{$base-url}cmif.xml</idno>
            <date when="{(max($documents/@changed ! string(.)), '1970-01-01')[1]}"/>
            <availability>
              <licence target="https://creativecommons.org/licenses/by/4.0/">This file is licensed under the terms of the Creative Commons Licence CC BY 4.0</licence>
            </availability>
          </publicationStmt>
          <sourceDesc>
            <bibl type="online" xml:id="{$bibl-id}">{$publisher}: a digital edition of code cables in TEI, <ref target="{$base-url}">{$base-url}</ref></bibl>
          </sourceDesc>
        </fileDesc>
        <profileDesc>
          <xsl:for-each select="$documents">
            <xsl:sort select="@when"/>
            <xsl:sort select="@id"/>
            <correspDesc ref="{@url}" source="#{$bibl-id}">
              <xsl:for-each select="action">
                <correspAction type="{@type}">
                  <xsl:for-each select="person, org, place">
                    <xsl:element name="{map { 'person': 'persName', 'org': 'orgName', 'place': 'placeName' }(local-name())}"
                                 namespace="http://www.tei-c.org/ns/1.0">
                      <xsl:if test="@ref != ''"><xsl:attribute name="ref" select="@ref"/></xsl:if>
                      <xsl:value-of select="@name"/>
                    </xsl:element>
                  </xsl:for-each>
                  <xsl:for-each select="date">
                    <date when="{@when}"/>
                  </xsl:for-each>
                </correspAction>
              </xsl:for-each>
            </correspDesc>
          </xsl:for-each>
        </profileDesc>
      </teiHeader>
      <text>
        <body>
          <p/>
        </body>
      </text>
    </TEI>
  </xsl:template>

</xsl:stylesheet>
