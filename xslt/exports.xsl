<?xml version="1.0" encoding="UTF-8"?>
<!--
  Exchange formats for archives and aggregators.
  Per document:   the entry (what every collection-level output needs to know of it, so the
                  document is never read again), an oai_dc Dublin Core record, a JSON record,
                  a CSL-JSON item (for reference managers and the page's citation).
  Per collection: a CMIF 1.1 file and a JSON list, made from the entries alone.
  JSON is written from XPath maps, whose keys Saxon keeps in the order written.
-->
<xsl:stylesheet version="3.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  xmlns:ce="https://cable-edition.org/ns/xslt"
  xmlns:map="http://www.w3.org/2005/xpath-functions/map"
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
              licence="{ce:safe-href(($header//tei:licence/@target)[1])}"
              publisher="{normalize-space($header//tei:publicationStmt/tei:publisher[1])}"
              lang="{($tei/@xml:lang, 'en')[1]}" kind="{ce:document-kind($tei)}">
      <xsl:if test="ce:is-draft($tei)">
        <xsl:attribute name="draft" select="'yes'"/>
      </xsl:if>
      <xsl:for-each select="$cable/tei:note[@type = ('classification', 'precedence', 'handling')]">
        <marking type="{@type}">{normalize-space(.)}</marking>
      </xsl:for-each>
      <xsl:for-each select="$cable/tei:idno[@type = 'archive']">
        <archive source="{@subtype}" id="{normalize-space(.)}" url="{ce:safe-href($cable/tei:ref[@type = 'archive']/@target)}"/>
      </xsl:for-each>
      <xsl:for-each select="$tei/tei:text//tei:closer/tei:signed">
        <signed>{normalize-space(.)}</signed>
      </xsl:for-each>
      <xsl:for-each select="$header//tei:correspAction">
        <action type="{if (@subtype = 'info') then 'info' else @type}">
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
    <xsl:variable name="received" select="ce:action-addressees($header)"/>
    <oai_dc:dc xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
      xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd">
      <xsl:namespace name="dc" select="'http://purl.org/dc/elements/1.1/'"/>
      <dc:title>{normalize-space($header//tei:titleStmt/tei:title[@type = 'main'][1])}</dc:title>
      <!-- Persons, else offices (a cable from a person of an office is the person's). -->
      <xsl:for-each select="$sent/(tei:persName, tei:orgName[empty(../tei:persName)])">
        <dc:creator>{normalize-space(.)}</dc:creator>
      </xsl:for-each>
      <xsl:for-each select="$received/(tei:persName, tei:orgName[empty(../tei:persName)])">
        <dc:contributor>{normalize-space(.)} (recipient)</dc:contributor>
      </xsl:for-each>
      <xsl:for-each select="ce:info-action($header)/(tei:persName, tei:orgName[empty(../tei:persName)])">
        <dc:contributor>{normalize-space(.)} (information addressee)</dc:contributor>
      </xsl:for-each>
      <xsl:for-each select="$sent/tei:date/@when">
        <dc:date>{.}</dc:date>
      </xsl:for-each>
      <dc:description>{normalize-space(ce:document-kind($tei) || ' ' || normalize-space($cable/tei:idno[@type = 'cable-number'])
        || ($cable/tei:title[@type = 'subject'] ! (', “' || normalize-space(.) || '”')) || ', from '
        || string-join($sent/(tei:persName, tei:orgName, tei:placeName) ! normalize-space(.), ', ') || ' to '
        || string-join($received/(tei:persName, tei:orgName, tei:placeName) ! normalize-space(.), ', ') || '. '
        || string-join(('classification', 'precedence', 'handling') ! ce:marking-sentence($cable, .))
        || 'A scholarly edition in TEI with ' || count(ce:interventions($tei)) || ' recorded editorial interventions.')}</dc:description>
      <xsl:for-each select="$cable/tei:title[@type = 'subject']">
        <dc:subject>{normalize-space(.)}</dc:subject>
      </xsl:for-each>
      <xsl:for-each-group select="$tei/tei:text//(tei:persName | tei:orgName | tei:placeName | tei:rs)" group-by="@ref">
        <xsl:sort select="current-grouping-key()"/>
        <dc:subject>{ce:record-name(ce:record(current-grouping-key(), .))}</dc:subject>
      </xsl:for-each-group>
      <dc:publisher>{normalize-space($header//tei:publisher[1])}</dc:publisher>
      <dc:type>Text</dc:type>
      <dc:format>application/tei+xml</dc:format>
      <dc:identifier>{ce:document-url($tei/@xml:id)}</dc:identifier>
      <xsl:for-each select="$cable/tei:idno">
        <dc:identifier>{normalize-space(.)}</dc:identifier>
      </xsl:for-each>
      <xsl:for-each select="$cable/tei:ref[@type = 'archive']/@target[ce:safe-href(.) != '']">
        <dc:identifier>{ce:safe-href(.)}</dc:identifier>
      </xsl:for-each>
      <dc:source>{string-join($header//tei:listWit/tei:witness ! normalize-space(.), ' ')}</dc:source>
      <xsl:for-each select="$header//tei:correspContext/tei:ref[@type = 'replyTo']">
        <dc:relation>In reply to {normalize-space(ce:record(@target, .)/tei:idno[1])}</dc:relation>
      </xsl:for-each>
      <dc:language>{($tei/@xml:lang, 'en')[1]}</dc:language>
      <dc:rights>{normalize-space(normalize-space(($header//tei:licence)[1]) || ' ' || ce:safe-href(($header//tei:licence/@target)[1]))}</dc:rights>
    </oai_dc:dc>
  </xsl:template>


  <!-- ==================================================================== JSON -->

  <!-- JSON is built as XPath maps and arrays (Saxon keeps the order in which keys are
       written, so every build of the same input is byte for byte the same) and serialized
       once. -->
  <xsl:function name="ce:json" as="xs:string">
    <xsl:param name="value" as="map(*)"/>
    <xsl:sequence select="serialize($value, map { 'method': 'json', 'indent': true() }) || '&#10;'"/>
  </xsl:function>

  <!-- What the collection lists of a document, from its entry. -->
  <xsl:function name="ce:entry-map" as="map(*)">
    <xsl:param name="entry" as="element(document)"/>
    <xsl:sequence select="map:merge((
        map { 'id': string($entry/@id), 'url': string($entry/@url), 'title': string($entry/@title),
              'kind': string($entry/@kind), 'number': string($entry/@number), 'subject': string($entry/@subject),
              'date': string($entry/@when), 'dateText': string($entry/@date) },
        $entry/action ! map:entry(string(@type), ce:action-map(.)),
        map { 'markings': map:merge((
                ('classification', 'precedence') ! (let $kind := . return
                    $entry/marking[@type = $kind][1] ! map { $kind: string(.) }),
                map { 'handling': array { $entry/marking[@type = 'handling'] ! string(.) } })),
              'signed': array { $entry/signed ! string(.) },
              'archive': array { $entry/archive ! map { 'source': string(@source), 'id': string(@id),
                                                        'url': string(@url) } } },
        map { 'inReplyTo': array { $entry/reply-to ! string(.) }, 'licence': string($entry/@licence) }
      ), map { 'duplicates': 'use-first' })"/>
  </xsl:function>

  <xsl:function name="ce:action-map" as="map(*)">
    <xsl:param name="action" as="element(action)"/>
    <xsl:sequence select="map:merge((
        for $kind in ('person', 'org', 'place')
        return $action/*[local-name() = $kind][1] ! map:entry(
          map { 'person': 'persons', 'org': 'organisations', 'place': 'places' }($kind),
          array { $action/*[local-name() = $kind] ! map:merge((map { 'name': string(@name) },
                                                                 (@ref[. != ''] ! map { 'authority': string(.) }))) }),
        $action/date[1] ! map { 'date': string(@when) }))"/>
  </xsl:function>

  <xsl:template name="ce:document-json">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="entry" as="element(document)"/>
    <xsl:variable name="id" select="string($tei/@xml:id)"/>
    <xsl:variable name="names" select="$tei/tei:text//*[self::tei:persName or self::tei:orgName or self::tei:placeName
                                        or self::tei:rs or self::tei:ref[@type = 'document']]"/>
    <xsl:variable name="interventions" as="map(*)*">
      <xsl:for-each select="ce:interventions($tei)">
        <xsl:sequence select="map:merge((
            map { 'id': string(@xml:id), 'kind': ce:kind(.), 'place': ce:place(.),
                  'witnessReading': ce:witness-reading(.),
                  'editedReading': if (self::tei:surplus) then '' else ce:edited-reading(.),
                  'certainty': ce:certainty(.), 'resp': string(ce:decision(.)/@resp) },
            ce:decision(.)/@reason ! map { 'reason': string(.) },
            map { 'evidence': array { ce:sources(.) }, 'notes': array { ce:notes-on(.) ! ce:note-text(.) } }))"/>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="entities" as="map(*)*">
      <xsl:for-each-group select="$names" group-by="(@ref, @target)[1]">
        <xsl:variable name="record" select="ce:record(current-grouping-key(), .)"/>
        <xsl:sequence select="map {
            'id': string($record/@xml:id),
            'type': map { 'person': 'person', 'org': 'organisation', 'place': 'place', 'bibl': 'document' }(local-name($record)),
            'name': ce:record-name($record),
            'description': ce:record-note($record),
            'authority': array { $record/tei:idno[@type = ('wikidata', 'geonames', 'viaf')] ! normalize-space(.) },
            'occurrences': array { current-group() ! map { 'place': ce:place(.), 'reading': ce:line(., 'reading'),
                                                           'diplomatic': ce:line(., 'diplomatic') } } }"/>
      </xsl:for-each-group>
    </xsl:variable>
    <!-- The witnesses, the copy-text first, and where they differ (apart from the
         interventions): each reading with the sigla of its witnesses. -->
    <xsl:variable name="witnesses" as="map(*)*" select="ce:witnesses($tei) ! map {
        'siglum': ce:siglum(.), 'id': string(@xml:id), 'description': normalize-space(.),
        'copyText': . is ce:witnesses($tei)[1], 'file': $id || '.witness-' || ce:siglum(.) || '.txt' }"/>
    <xsl:variable name="variants" as="map(*)*" select="$tei/tei:text//tei:app ! map {
        'id': string(@xml:id), 'place': ce:place(.),
        'readings': array { ce:variant-readings(.) ! map { 'text': ?text, 'witnesses': array { tokenize(?sigla) },
                                                           'breaksOff': ?breaks != '' } },
        'notes': array { ce:notes-on(.) ! ce:note-text(.) } }"/>
    <xsl:sequence select="ce:json(map:merge((ce:entry-map($entry), map {
        'files': map { 'html': 'index.html', 'tei': $id || '.xml', 'reading': $id || '.reading.txt',
                       'diplomatic': $id || '.diplomatic.txt', 'dublinCore': $id || '.dc.xml',
                       'csl': $id || '.csl.json' },
        'interventions': array { $interventions },
        'entities': array { $entities },
        'witnesses': array { $witnesses },
        'variants': array { $variants } })))"/>
  </xsl:template>

  <!-- ============================================================== CSL-JSON -->

  <!-- The cable as one CSL item, from its entry: a letter-like communication
       (personal_communication, as CSL types letters), its sender as author and its
       recipients as recipients, names as the register writes them (literal: the register
       does not split given and family names, and the edition does not guess). -->
  <xsl:function name="ce:csl-item" as="map(*)">
    <xsl:param name="entry" as="element(document)"/>
    <xsl:variable name="sent" select="$entry/action[@type = 'sent']"/>
    <xsl:variable name="received" select="$entry/action[@type = 'received']"/>
    <xsl:variable name="authors" select="ce:parties($sent)"/>
    <xsl:sequence select="map:merge((
        map { 'id': string($entry/@id), 'type': 'personal_communication',
              'title': string(($entry/@subject[. != ''], $entry/@title)[1]),
              'genre': normalize-space($entry/@kind || ' ' || $entry/@number),
              'number': string($entry/@number),
              'author': array { $authors ! map { 'literal': string(@name) } },
              'recipient': array { ce:parties($received) ! map { 'literal': string(@name) } } },
        $entry/@when[substring(., 1, 10) castable as xs:date] ! xs:date(substring(., 1, 10)) ! map {
            'issued': map { 'date-parts': [[ year-from-date(.), month-from-date(.), day-from-date(.) ]] } },
        $sent/place[1] ! map { 'event-place': string(@name) },
        map { 'container-title': 'cable-edition', 'publisher': string($entry/@publisher),
              'language': string($entry/@lang) },
        $entry/@url[. != ''] ! map { 'URL': string(.) }
      ))"/>
  </xsl:function>

  <!-- The CSL-JSON file: an array of items, as csl-data.json describes it. -->
  <xsl:function name="ce:csl-json" as="xs:string">
    <xsl:param name="entry" as="element(document)"/>
    <xsl:sequence select="serialize(array { ce:csl-item($entry) }, map { 'method': 'json', 'indent': true() }) || '&#10;'"/>
  </xsl:function>

  <!-- ============================================================ OAI-PMH -->

  <!-- The OAI identifier of a document: oai:<host of the base URL>:<id>. -->
  <xsl:function name="ce:oai-identifier" as="xs:string">
    <xsl:param name="id" as="xs:string"/>
    <xsl:sequence select="'oai:' || replace($base-url, '^[a-z]+://([^/:]+).*$', '$1') || ':' || $id"/>
  </xsl:function>

  <!-- A document's record, as the static repository (and cable-edition serve) gives it:
       datestamped by its latest change (revisionDesc), day granularity. -->
  <xsl:template name="ce:oai-record">
    <xsl:param name="entry" as="element(document)"/>
    <xsl:param name="dc" as="element()"/>
    <oai:record xmlns:oai="http://www.openarchives.org/OAI/2.0/">
      <oai:header>
        <oai:identifier>{ce:oai-identifier($entry/@id)}</oai:identifier>
        <oai:datestamp>{$entry/@changed}</oai:datestamp>
      </oai:header>
      <oai:metadata>
        <xsl:sequence select="$dc"/>
      </oai:metadata>
    </oai:record>
  </xsl:template>

  <!-- The shell of the OAI-PMH Static Repository (oai-static.xml); the build puts every
       document's record where the marker is. Its baseURL is where a Static Repository
       Gateway would answer for it: the repository's own URL (a gateway prefixes its own). -->
  <xsl:template name="ce:static-repository">
    <xsl:param name="marker" as="xs:string"/>
    <Repository xmlns="http://www.openarchives.org/OAI/2.0/static-repository"
                xmlns:oai="http://www.openarchives.org/OAI/2.0/"
                xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/static-repository http://www.openarchives.org/OAI/2.0/static-repository.xsd">
      <Identify>
        <oai:repositoryName>{$publisher}: cable-edition</oai:repositoryName>
        <oai:baseURL>{$base-url}oai-static.xml</oai:baseURL>
        <oai:protocolVersion>2.0</oai:protocolVersion>
        <oai:adminEmail>{$admin-email}</oai:adminEmail>
        <oai:earliestDatestamp>{$earliest-date}</oai:earliestDatestamp>
        <oai:deletedRecord>no</oai:deletedRecord>
        <oai:granularity>YYYY-MM-DD</oai:granularity>
      </Identify>
      <ListMetadataFormats>
        <oai:metadataFormat>
          <oai:metadataPrefix>oai_dc</oai:metadataPrefix>
          <oai:schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</oai:schema>
          <oai:metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</oai:metadataNamespace>
        </oai:metadataFormat>
      </ListMetadataFormats>
      <ListRecords metadataPrefix="oai_dc">
        <xsl:comment>{$marker}</xsl:comment>
      </ListRecords>
    </Repository>
  </xsl:template>

  <!-- ================================================================== CMIF 1.1 -->

  <xsl:template name="ce:cmif">
    <xsl:param name="marker" as="xs:string"/>
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
            <date when="{$cmif-date}"/>
            <availability>
              <licence target="https://creativecommons.org/licenses/by/4.0/">This file is licensed under the terms of the Creative Commons Licence CC BY 4.0</licence>
            </availability>
          </publicationStmt>
          <sourceDesc>
            <bibl type="online" xml:id="{$cmif-source-id}">{$publisher}: a digital edition of code cables in TEI, <ref target="{$base-url}">{$base-url}</ref></bibl>
          </sourceDesc>
        </fileDesc>
        <profileDesc>
          <xsl:comment>{$marker}</xsl:comment>
        </profileDesc>
      </teiHeader>
      <text>
        <body>
          <p/>
        </body>
      </text>
    </TEI>
  </xsl:template>

  <!-- A document's correspDesc for CMIF, from its entry. -->
  <xsl:template match="document" mode="cmif">
    <correspDesc xmlns="http://www.tei-c.org/ns/1.0" ref="{@url}" source="#{$cmif-source-id}">
      <xsl:for-each select="action[@type != 'info']">
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
  </xsl:template>

</xsl:stylesheet>
