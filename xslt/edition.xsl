<?xml version="1.0" encoding="UTF-8"?>
<!--
  Everything the build publishes for one document, in one pass over one parsed tree.
  The build sets the base output URI to the document's own folder (build/<id>/), so every
  href here is a plain file name.
-->
<xsl:stylesheet version="3.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  xmlns:ce="https://cable-edition.org/ns/xslt"
  exclude-result-prefixes="#all"
  expand-text="yes">

  <xsl:import href="text.xsl"/>

  <xsl:template match="/">
    <xsl:variable name="tei" select="tei:TEI"/>
    <xsl:variable name="id" select="ce:document-id(.)"/>
    <xsl:for-each select="'diplomatic', 'reading'">
      <xsl:result-document href="{$id}.{.}.txt" method="text" encoding="UTF-8">
        <xsl:value-of select="ce:text($tei, .)"/>
      </xsl:result-document>
    </xsl:for-each>
  </xsl:template>

</xsl:stylesheet>
