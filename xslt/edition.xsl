<?xml version="1.0" encoding="UTF-8"?>
<!--
  The one stylesheet the build compiles.
  For a document: everything published for it, in one pass over one parsed tree
  (<id>.diplomatic.txt, <id>.reading.txt, <id>.witness-<siglum>.txt for each witness, index.html, <id>.dc.xml, <id>.json, <id>.csl.json, written as
  result documents into its own folder: the build sets the base output URI to build/<id>/,
  so every href here is a plain file name), and .fragments, the document's parts of the
  collection outputs (collection.xsl); the principal result is the date by which the
  collection sorts it and the date of its latest change, for the build manifest.
  For <collection count="N"/>: the shells of the collection outputs (collection.xsl).
-->
<xsl:stylesheet version="3.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  xmlns:ce="https://cable-edition.org/ns/xslt"
  exclude-result-prefixes="#all"
  expand-text="yes">

  <xsl:import href="text.xsl"/>
  <xsl:import href="collection.xsl"/>   <!-- which imports html.xsl and exports.xsl -->

  <xsl:output method="text" encoding="UTF-8"/>

  <!-- The accumulator that tells where witnesses lack the text (text.xsl) applies to the
       document transformed. -->
  <xsl:mode use-accumulators="#all"/>

  <!-- The CSL-JSON of a document alone: the build renders the page's citation from it (a
       CSL processor, citeproc-py) before the page itself is made. -->
  <xsl:function name="ce:document-csl" as="xs:string" visibility="public">
    <xsl:param name="document" as="document-node(element(tei:TEI))"/>
    <xsl:variable name="entry" as="element(document)">
      <xsl:call-template name="ce:entry">
        <xsl:with-param name="tei" select="$document/tei:TEI"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:sequence select="ce:csl-json($entry)"/>
  </xsl:function>

  <xsl:template match="document-node(element(tei:TEI))">
    <xsl:variable name="tei" select="tei:TEI"/>
    <xsl:variable name="id" select="ce:document-id(.)"/>
    <xsl:variable name="diplomatic" select="ce:text($tei, 'diplomatic')"/>
    <xsl:result-document href="{$id}.diplomatic.txt" method="text" encoding="UTF-8">
      <xsl:value-of select="$diplomatic"/>
    </xsl:result-document>
    <xsl:result-document href="{$id}.reading.txt" method="text" encoding="UTF-8">
      <xsl:value-of select="ce:text($tei, 'reading')"/>
    </xsl:result-document>
    <!-- The sigla are letters and digits (validate's rule witness-siglum): safe as names.
         The copy-text's text is the diplomatic text, made once. -->
    <xsl:for-each select="ce:witnesses($tei)">
      <xsl:result-document href="{$id}.witness-{ce:siglum(.)}.txt" method="text" encoding="UTF-8">
        <xsl:value-of select="if (position() = 1) then $diplomatic else ce:witness-text($tei, .)"/>
      </xsl:result-document>
    </xsl:for-each>
    <xsl:variable name="entry" as="element(document)">
      <xsl:call-template name="ce:entry">
        <xsl:with-param name="tei" select="$tei"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="dc" as="element()">
      <xsl:call-template name="ce:dc-record">
        <xsl:with-param name="tei" select="$tei"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:result-document href="index.html" method="html" html-version="5" encoding="UTF-8" indent="no">
      <xsl:call-template name="ce:document-page">
        <xsl:with-param name="tei" select="$tei"/>
        <xsl:with-param name="entry" select="$entry"/>
        <xsl:with-param name="dc" select="$dc"/>
      </xsl:call-template>
    </xsl:result-document>
    <!-- A draft is never exported: its placeholders would read as names and dates. -->
    <xsl:if test="not(ce:is-draft($tei))">
      <xsl:result-document href="{$id}.dc.xml" method="xml" encoding="UTF-8" indent="yes">
        <xsl:sequence select="$dc"/>
      </xsl:result-document>
      <xsl:result-document href="{$id}.csl.json" method="text" encoding="UTF-8">
        <xsl:sequence select="ce:csl-json($entry)"/>
      </xsl:result-document>
      <xsl:result-document href="{$id}.json" method="text" encoding="UTF-8">
        <xsl:call-template name="ce:document-json">
          <xsl:with-param name="tei" select="$tei"/>
          <xsl:with-param name="entry" select="$entry"/>
        </xsl:call-template>
      </xsl:result-document>
    </xsl:if>
    <xsl:result-document href=".fragments" method="text" encoding="UTF-8">
      <xsl:sequence select="ce:collection-fragments($tei, $entry, $dc)"/>
    </xsl:result-document>
    <xsl:sequence select="string($entry/@when) || ' ' || string($entry/@changed)"/>
  </xsl:template>

</xsl:stylesheet>
