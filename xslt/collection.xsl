<?xml version="1.0" encoding="UTF-8"?>
<!--
  The collection-level outputs, made to scale: every document's part of them (its row of
  the collection page, its correspDesc for CMIF, its summary for the collection JSON, its
  record for the OAI-PMH static repository, its search record) is
  rendered once, in the document's own pass (ce:collection-fragments, called by
  edition.xsl), and kept beside its outputs as .fragments. A collection build renders only the shells
  here (index.html and cmif.xml, each with a marker comment where the fragments go); the
  build fills them with the fragments, sorted by date, and writes collection.json. So a
  change to one document never makes the whole collection be rendered again.
  Input of the shells: <collection count="N"/>.
-->
<xsl:stylesheet version="3.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:ce="https://cable-edition.org/ns/xslt"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  xmlns:map="http://www.w3.org/2005/xpath-functions/map"
  xmlns="http://www.w3.org/1999/xhtml"
  exclude-result-prefixes="#all"
  expand-text="yes">

  <xsl:import href="search.xsl"/>      <!-- which imports html.xsl -->
  <xsl:import href="exports.xsl"/>

  <!-- Where the build puts the documents' fragments. -->
  <xsl:variable name="ce:rows-marker" as="xs:string" select="'ce:rows'"/>
  <xsl:variable name="ce:cmif-marker" as="xs:string" select="'ce:correspDescs'"/>
  <xsl:variable name="ce:records-marker" as="xs:string" select="'ce:records'"/>

  <!-- ===================================================== the shells (per collection) -->

  <xsl:template match="document-node(element(collection))">
    <xsl:result-document href="index.html" method="html" html-version="5" encoding="UTF-8" indent="no">
      <xsl:call-template name="ce:page">
        <xsl:with-param name="title" select="'Code cables: the collection'"/>
        <xsl:with-param name="head">
          <link rel="alternate" type="application/tei+xml" href="cmif.xml" title="CMIF (correspondence metadata)"/>
          <link rel="alternate" type="application/json" href="collection.json" title="The collection as JSON"/>
          <link rel="alternate" type="application/xml" href="oai-static.xml" title="OAI-PMH static repository"/>
        </xsl:with-param>
        <xsl:with-param name="content">
          <p>{collection/@count} document(s), sorted by date. Each edition offers a reading text and
            a diplomatic text, its editorial interventions with their evidence, and an index of
            the persons, organisations, places and documents it names.</p>
          <table class="collection">
            <caption class="visually-hidden">Documents of the collection</caption>
            <thead>
              <tr><th scope="col">Date</th><th scope="col">Number</th><th scope="col">From</th>
                <th scope="col">To</th><th scope="col">Subject</th><th scope="col">Files</th></tr>
            </thead>
            <tbody><xsl:comment>{$ce:rows-marker}</xsl:comment></tbody>
          </table>
        </xsl:with-param>
      </xsl:call-template>
    </xsl:result-document>
    <xsl:result-document href="cmif.xml" method="xml" encoding="UTF-8" indent="yes">
      <xsl:call-template name="ce:cmif">
        <xsl:with-param name="marker" select="$ce:cmif-marker"/>
      </xsl:call-template>
    </xsl:result-document>
    <xsl:result-document href="search.html" method="html" html-version="5" encoding="UTF-8" indent="no">
      <xsl:call-template name="ce:search-page"/>
    </xsl:result-document>
    <xsl:result-document href="oai-static.xml" method="xml" encoding="UTF-8" indent="yes">
      <xsl:call-template name="ce:static-repository">
        <xsl:with-param name="marker" select="$ce:records-marker"/>
      </xsl:call-template>
    </xsl:result-document>
  </xsl:template>

  <!-- ================================================= the fragments (per document) -->

  <!-- A document's parts of the collection outputs, as the build keeps them in
       <id>/.fragments: a first line naming each part with its length in characters
       ("row 557 correspDesc 677 summary 1019 record 3486 search 7688"), then the parts one
       after the other: its row of the collection table (HTML), its CMIF correspDesc, its
       summary for collection.json, its OAI-PMH record, its search record (search.xsl).
       The build fills the collection shells (below) with them, in order of date, reading
       one document's parts at a time (render.py). A draft's correspDesc, summary and
       record are empty: it is in no export. -->
  <xsl:function name="ce:collection-fragments" as="xs:string">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="entry" as="element(document)"/>
    <xsl:param name="dc" as="element()"/>
    <xsl:variable name="row" as="element()">
      <xsl:apply-templates select="$entry" mode="collection-row"/>
    </xsl:variable>
    <xsl:variable name="cmif" as="element()">
      <xsl:apply-templates select="$entry" mode="cmif"/>
    </xsl:variable>
    <xsl:variable name="record" as="element()">
      <xsl:call-template name="ce:oai-record">
        <xsl:with-param name="entry" select="$entry"/>
        <xsl:with-param name="dc" select="$dc"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="search" as="element()">
      <xsl:call-template name="ce:search-record">
        <xsl:with-param name="tei" select="$tei"/>
        <xsl:with-param name="entry" select="$entry"/>
      </xsl:call-template>
    </xsl:variable>
    <!-- A draft has a row (marked) and a search record, nothing in the exports. -->
    <xsl:variable name="exported" select="not(ce:is-draft($tei))"/>
    <xsl:variable name="parts" as="xs:string+" select="
        serialize($row, map { 'method': 'html', 'html-version': 5, 'indent': false() }),
        if (not($exported)) then ('', '', '') else (
        serialize($cmif, map { 'method': 'xml', 'omit-xml-declaration': true(), 'indent': true() }),
        serialize(map:merge((ce:entry-map($entry), map { 'json': $entry/@id || '/' || $entry/@id || '.json' })),
                  map { 'method': 'json', 'indent': true() }),
        serialize($record, map { 'method': 'xml', 'omit-xml-declaration': true(), 'indent': true() })),
        serialize($search, map { 'method': 'html', 'html-version': 5, 'indent': false() })"/>
    <xsl:variable name="names" select="'row', 'correspDesc', 'summary', 'record', 'search'"/>
    <xsl:sequence select="string-join(for $n in 1 to count($parts) return $names[$n] || ' ' || string-length($parts[$n]), ' ')
                          || '&#10;' || string-join($parts)"/>
  </xsl:function>

  <xsl:template match="document" mode="collection-row">
    <tr>
      <td><xsl:choose>
          <xsl:when test="string(@when)"><time datetime="{@when}">{@date}</time></xsl:when>
          <xsl:otherwise>{@date}</xsl:otherwise>
        </xsl:choose></td>
      <td>{@number}</td>
      <td>{string-join(ce:parties(action[@type = 'sent'])/@name, ', ')}</td>
      <td>{string-join(ce:parties(action[@type = 'received'])/@name, ', ')}</td>
      <td><a href="{@id}/index.html">{(@subject[. != ''], @title)[1]}</a><xsl:if test="@draft"> <strong class="draft">(draft)</strong></xsl:if></td>
      <td>
        <a href="{@id}/{@id}.reading.txt" aria-label="Reading text of {@number}">reading</a> ·
        <a href="{@id}/{@id}.diplomatic.txt" aria-label="Diplomatic text of {@number}">diplomatic</a> ·
        <a href="{@id}/{@id}.xml" aria-label="TEI XML of {@number}">TEI</a>
      </td>
    </tr>
  </xsl:template>

</xsl:stylesheet>
