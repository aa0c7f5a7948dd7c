<?xml version="1.0" encoding="UTF-8"?>
<!--
  The collection-level outputs, from the documents' entries alone (no document is read
  again): the collection page (index.html: every document with its date, sender,
  recipients and subject, sorted by date, linking to its edition, texts and XML), the CMIF
  file (cmif.xml) and the JSON list (collection.json).
  Input: <collection><document …/>…</collection>, the entries edition.xsl made.
-->
<xsl:stylesheet version="3.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:ce="https://cable-edition.org/ns/xslt"
  xmlns="http://www.w3.org/1999/xhtml"
  exclude-result-prefixes="#all"
  expand-text="yes">

  <xsl:import href="html.xsl"/>
  <xsl:import href="exports.xsl"/>

  <xsl:template match="/collection">
    <xsl:result-document href="index.html" method="html" html-version="5" encoding="UTF-8" indent="no">
      <xsl:call-template name="ce:collection-page"/>
    </xsl:result-document>
    <xsl:result-document href="cmif.xml" method="xml" encoding="UTF-8" indent="yes">
      <xsl:call-template name="ce:cmif">
        <xsl:with-param name="documents" select="document"/>
      </xsl:call-template>
    </xsl:result-document>
    <xsl:result-document href="collection.json" method="text" encoding="UTF-8">
      <xsl:call-template name="ce:collection-json">
        <xsl:with-param name="documents" select="document"/>
      </xsl:call-template>
    </xsl:result-document>
  </xsl:template>

  <xsl:template name="ce:collection-page">
    <xsl:call-template name="ce:page">
      <xsl:with-param name="title" select="'Code cables: the collection'"/>
      <xsl:with-param name="content">
        <p>{count(document)} document(s), sorted by date. Each edition offers a reading text and
          a diplomatic text, its editorial interventions with their evidence, and an index of
          the persons, organisations, places and documents it names.</p>
        <table class="collection">
          <caption class="visually-hidden">Documents of the collection</caption>
          <thead>
            <tr><th scope="col">Date</th><th scope="col">Number</th><th scope="col">From</th>
              <th scope="col">To</th><th scope="col">Subject</th><th scope="col">Files</th></tr>
          </thead>
          <tbody>
            <xsl:for-each select="document">
              <xsl:sort select="@when"/>
              <xsl:sort select="@id"/>
              <tr>
                <td><time datetime="{@when}">{@date}</time></td>
                <td>{@number}</td>
                <td>{string-join(action[@type = 'sent']/person/@name, ', ')}</td>
                <td>{string-join(action[@type = 'received']/person/@name, ', ')}</td>
                <td><a href="{@id}/index.html">{@subject}</a></td>
                <td>
                  <a href="{@id}/{@id}.reading.txt" aria-label="Reading text of {@number}">reading</a> ·
                  <a href="{@id}/{@id}.diplomatic.txt" aria-label="Diplomatic text of {@number}">diplomatic</a> ·
                  <a href="{@id}/{@id}.xml" aria-label="TEI XML of {@number}">TEI</a>
                </td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

</xsl:stylesheet>
