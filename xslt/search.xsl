<?xml version="1.0" encoding="UTF-8"?>
<!--
  Search across the collection (Pagefind, a static index).
  Per document: the search record, an HTML page that is never published but given to the
  indexer: the heading, each paragraph in both readings (the witness's spelling is found
  as surely as the edited one) under a heading whose id is the paragraph's anchor on the
  document page (so a hit links to its paragraph), the notes; and, from the TEI, never
  from the page text, the filters (sender, recipients, year and month of sending, persons,
  organisations, places and documents named, handling markings), the date to sort by and
  the facts a result shows. Page furniture (navigation, labels, the entity index's
  descriptions) is not in it.
  Per collection: search.html, whose small script (search.js) asks the index.
-->
<xsl:stylesheet version="3.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  xmlns:ce="https://cable-edition.org/ns/xslt"
  xmlns="http://www.w3.org/1999/xhtml"
  exclude-result-prefixes="#all"
  expand-text="yes">

  <xsl:import href="html.xsl"/>

  <xsl:variable name="ce:search-script" static="yes" as="xs:string"
    select="unparsed-text(resolve-uri('search.js', static-base-uri()))"/>

  <!-- The facets, in the order the search page offers them: name, label. -->
  <xsl:variable name="ce:facets" as="map(xs:string, xs:string)" select="map {
      'sender': 'Sender', 'recipient': 'Recipient', 'year': 'Year', 'month': 'Month',
      'person': 'Person named', 'organisation': 'Organisation named', 'place': 'Place named',
      'document': 'Document cited', 'classification': 'Classification', 'precedence': 'Precedence',
      'handling': 'Handling marking' }"/>
  <xsl:variable name="ce:facet-order" as="xs:string+"
    select="'sender', 'recipient', 'year', 'month', 'person', 'organisation', 'place', 'document', 'classification',
            'precedence', 'handling'"/>

  <!-- ============================================================ the record -->

  <xsl:template name="ce:search-record">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="entry" as="element(document)"/>
    <xsl:variable name="id" select="string($tei/@xml:id)"/>
    <xsl:variable name="cable" select="$tei/tei:teiHeader//tei:bibl[@type = 'cable'][1]"/>
    <xsl:variable name="sent" select="$entry/action[@type = 'sent']"/>
    <xsl:variable name="received" select="$entry/action[@type = 'received']"/>
    <xsl:variable name="named" select="ce:entities($tei) ! ce:record(ce:pointer(.), .)"/>
    <html lang="{$entry/@lang}">
      <body>
        <main data-pagefind-body="">
          <h1 data-pagefind-meta="title">{if (string($entry/@subject)) then $entry/@number || ' — ' || $entry/@subject else $entry/@title}</h1>
          <div data-pagefind-ignore="">
            <span data-pagefind-meta="number">{$entry/@number}</span>
            <span data-pagefind-meta="subject">{$entry/@subject}</span>
            <span data-pagefind-meta="date">{$entry/@when}</span>
            <span data-pagefind-meta="dateText">{$entry/@date}</span>
            <span data-pagefind-meta="from">{string-join(ce:parties($sent)/@name, ', ')}</span>
            <span data-pagefind-meta="to">{string-join(ce:parties($received)/@name, ', ')}</span>
            <span data-pagefind-sort="date">{$entry/@when}</span>
            <xsl:for-each select="ce:parties($sent)/@name">
              <span data-pagefind-filter="sender">{.}</span>
            </xsl:for-each>
            <xsl:for-each select="ce:parties($received)/@name">
              <span data-pagefind-filter="recipient">{.}</span>
            </xsl:for-each>
            <xsl:for-each select="$entry/@when[substring(., 1, 10) castable as xs:date]">
              <span data-pagefind-filter="year">{substring(., 1, 4)}</span>
              <span data-pagefind-filter="month">{substring(., 1, 7)}</span>
            </xsl:for-each>
            <xsl:for-each select="distinct-values($named[self::tei:person] ! ce:record-name(.))">
              <span data-pagefind-filter="person">{.}</span>
            </xsl:for-each>
            <xsl:for-each select="distinct-values($named[self::tei:org] ! ce:record-name(.))">
              <span data-pagefind-filter="organisation">{.}</span>
            </xsl:for-each>
            <xsl:for-each select="distinct-values($named[self::tei:place] ! ce:record-name(.))">
              <span data-pagefind-filter="place">{.}</span>
            </xsl:for-each>
            <xsl:for-each select="distinct-values($named[self::tei:bibl] ! normalize-space((tei:idno, tei:title)[1]))">
              <span data-pagefind-filter="document">{.}</span>
            </xsl:for-each>
            <xsl:for-each select="$entry/marking">
              <span data-pagefind-filter="{@type}">{.}</span>
            </xsl:for-each>
          </div>
          <h2 id="{$id}-heading">Heading</h2>
          <xsl:for-each select="$tei/tei:text/tei:body//tei:list[@type = 'heading']/tei:item">
            <xsl:call-template name="ce:both-readings"/>
          </xsl:for-each>
          <p>{$entry/@subject}</p>
          <xsl:for-each select="$tei/tei:text/tei:body//tei:p[@n]">
            <h2 id="{@xml:id}">Paragraph {@n}</h2>
            <xsl:call-template name="ce:both-readings"/>
          </xsl:for-each>
          <xsl:for-each select="$tei/tei:text/tei:body//tei:closer">
            <xsl:call-template name="ce:both-readings"/>
          </xsl:for-each>
          <xsl:if test="$tei/tei:text/tei:back//tei:note">
            <h2 id="apparatus-heading">Notes</h2>
            <xsl:for-each select="$tei/tei:text/tei:back//tei:note">
              <p>{ce:note-text(.)}</p>
            </xsl:for-each>
          </xsl:if>
        </main>
      </body>
    </html>
  </xsl:template>

  <!-- A block in the reading text, and in the witness's where it differs. -->
  <xsl:template name="ce:both-readings">
    <xsl:variable name="reading" select="ce:line(., 'reading')"/>
    <xsl:variable name="diplomatic" select="ce:line(., 'diplomatic')"/>
    <p>{$reading}</p>
    <xsl:if test="$diplomatic ne $reading">
      <p>{$diplomatic}</p>
    </xsl:if>
  </xsl:template>

  <!-- ======================================================== the search page -->

  <xsl:template name="ce:search-page">
    <xsl:call-template name="ce:page">
      <xsl:with-param name="title" select="'Search the collection'"/>
      <xsl:with-param name="script-text" select="$ce:search-script"/>
      <xsl:with-param name="footer" select="'Published by cable-edition. Search asks this site''s own index (pagefind/) and nothing beyond it.'"/>
      <xsl:with-param name="content">
        <div class="search" id="search">
          <form role="search" class="search-form" action="search.html" method="get">
            <label for="search-query">Words to find, in the reading or the diplomatic text</label>
            <div class="search-row">
              <input type="search" id="search-query" name="q" autocomplete="off" spellcheck="false"/>
              <button type="submit">Search</button>
            </div>
            <div class="facets" id="search-facets" role="group" aria-label="Filters"
                 data-facets="{serialize(array { $ce:facet-order ! array { ., $ce:facets(.) } }, map { 'method': 'json' })}"></div>
          </form>
          <p class="search-needs" id="search-needs">
            Search needs JavaScript and the edition served over HTTP(S) (for a preview,
            <code>cable-edition serve</code>): a browser does not load the search index of a page
            opened from a file. <a href="index.html">The collection table</a> lists every cable,
            with its date, sender, recipients and subject.
          </p>
          <div class="search-status" id="search-status" role="status" aria-live="polite"></div>
          <ol class="results" id="search-results" aria-label="Results"></ol>
          <button type="button" class="more" id="search-more" hidden="hidden">Show all results</button>
        </div>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

</xsl:stylesheet>
