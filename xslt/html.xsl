<?xml version="1.0" encoding="UTF-8"?>
<!--
  The HTML edition of one cable: a self-contained HTML5 page (CSS and the optional script
  inlined, no external request), with a reading view (default) and a diplomatic view
  switched by radio buttons that work without JavaScript. Only one side of every
  intervention is displayed at a time; the other is display:none, so neither screen readers
  nor the clipboard meet two readings inline.

  ce:page is the page shell, shared with collection.xsl.
-->
<xsl:stylesheet version="3.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:tei="http://www.tei-c.org/ns/1.0"
  xmlns:ce="https://cable-edition.org/ns/xslt"
  xmlns:map="http://www.w3.org/2005/xpath-functions/map"
  xmlns="http://www.w3.org/1999/xhtml"
  exclude-result-prefixes="#all"
  expand-text="yes">

  <xsl:import href="common.xsl"/>

  <!-- Read at compile time, so that nothing is read when documents are transformed. -->
  <xsl:variable name="ce:css" static="yes" as="xs:string"
    select="unparsed-text(resolve-uri('edition.css', static-base-uri()))"/>
  <xsl:variable name="ce:script" static="yes" as="xs:string"
    select="unparsed-text(resolve-uri('edition.js', static-base-uri()))"/>

  <!-- ============================================================ the page shell -->

  <!-- The page's citation, rendered by the build from the document's CSL-JSON with a CSL
       processor (citeproc-py): XHTML inline content. -->
  <xsl:param name="citation" as="node()*" select="()"/>

  <xsl:template name="ce:page">
    <xsl:param name="title" as="xs:string"/>
    <xsl:param name="kicker" as="xs:string" select="'cable-edition'"/>
    <xsl:param name="content" as="node()*"/>
    <xsl:param name="head" as="node()*" select="()"/>
    <xsl:param name="script" as="xs:boolean" select="false()"/>
    <!-- Another script than the edition's, for pages of their own (the search page). -->
    <xsl:param name="script-text" as="xs:string?" select="()"/>
    <xsl:param name="footer" as="xs:string"
      select="'Published by cable-edition. Every page works without JavaScript and makes no request beyond itself.'"/>
    <!-- The way from the page to the top of the build: '' or '../'. -->
    <xsl:param name="root" as="xs:string" select="''"/>
    <!-- Rules of this page's own (the views of its witnesses). -->
    <xsl:param name="style" as="xs:string" select="''"/>
    <!-- A node whose content the mode ce:page-content writes straight into the page (a
         document page's text, panel and notes), after $content. -->
    <xsl:param name="content-of" as="node()?" select="()"/>
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>{$title}</title>
        <link rel="icon" href="data:,"/>   <!-- no request for /favicon.ico -->
        <xsl:sequence select="$head"/>
        <style>{$ce:css}{$style}</style>
      </head>
      <body>
        <a class="skip" href="#main">Skip to the text</a>
        <header class="site">
          <nav class="site-nav" aria-label="The edition">
            <a href="{$root}index.html">All cables</a>
            <a href="{$root}search.html">Search</a>
          </nav>
          <p>{$kicker}</p>
          <h1>{$title}</h1>
        </header>
        <main id="main">
          <xsl:sequence select="$content"/>
          <xsl:apply-templates select="$content-of" mode="ce:page-content"/>
        </main>
        <footer class="site">
          <p>{$footer}</p>
        </footer>
        <xsl:if test="$script">
          <script>{$ce:script}</script>
        </xsl:if>
        <xsl:if test="exists($script-text)">
          <script>{$script-text}</script>
        </xsl:if>
      </body>
    </html>
  </xsl:template>

  <!-- ================================================================= helpers -->


  <!-- Elements of the text that name a person, organisation, place or document. -->
  <xsl:function name="ce:is-entity" as="xs:boolean">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="exists($element[self::tei:persName or self::tei:orgName or self::tei:placeName
                          or self::tei:rs or self::tei:ref[@type = 'document']][ancestor::tei:text])"/>
  </xsl:function>

  <xsl:function name="ce:pointer" as="xs:string?">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="($element/@ref, $element/@target)[1]/string()"/>
  </xsl:function>

  <xsl:function name="ce:entities" as="element()*" cache="yes">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="$tei/tei:text//*[ce:is-entity(.)]"/>
  </xsl:function>

  <!-- Entities and annotated places are numbered in document order: each list is made once
       per document (a memo function), and a number is a place in it. -->
  <xsl:function name="ce:occurrence-id" as="xs:string">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="ce:document-id($element) || '-o' || ce:number-in($element, ce:entities(root($element)/tei:TEI))"/>
  </xsl:function>

  <!-- Places that carry a footnote: every intervention, and every passage of the text that
       an explanatory note targets. In document order; the footnote's number is the index. -->
  <xsl:function name="ce:annotated" as="element()*" cache="yes">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:sequence select="$tei/tei:text/(tei:front | tei:body)//(tei:choice | tei:surplus | *[@xml:id])[ce:is-annotated(.)]"/>
  </xsl:function>

  <xsl:function name="ce:is-annotated" as="xs:boolean">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="exists($element[self::tei:choice or self::tei:surplus or (@xml:id and not(self::tei:p or self::tei:app)
                          and exists(ce:notes-on(.)))][ancestor::tei:text and not(ancestor::tei:back)])"/>
  </xsl:function>

  <xsl:function name="ce:note-number" as="xs:integer">
    <xsl:param name="element" as="element()"/>
    <xsl:sequence select="ce:number-in($element, ce:annotated(root($element)/tei:TEI))"/>
  </xsl:function>

  <!-- The place (from 1) of an element in a list of elements in document order. -->
  <xsl:function name="ce:number-in" as="xs:integer">
    <xsl:param name="element" as="element()"/>
    <xsl:param name="list" as="element()*"/>
    <xsl:sequence select="count($list[. &lt;&lt; $element]) + 1"/>
  </xsl:function>

  <xsl:function name="ce:authority-label" as="xs:string">
    <xsl:param name="idno" as="element(tei:idno)"/>
    <xsl:variable name="name" select="map { 'wikidata': 'Wikidata', 'geonames': 'GeoNames', 'viaf': 'VIAF' }(string($idno/@type))"/>
    <xsl:sequence select="$name || ' ' || tokenize(normalize-space($idno), '/')[last()]"/>
  </xsl:function>


  <!-- A short sentence about an intervention, as the tooltip and the apparatus say it. -->
  <xsl:function name="ce:intervention-summary" as="xs:string">
    <xsl:param name="intervention" as="element()"/>
    <xsl:variable name="kind" select="ce:kind($intervention)"/>
    <xsl:variable name="sources" select="string-join(ce:sources($intervention), ', ')"/>
    <xsl:variable name="summary" select="upper-case(substring($kind, 1, 1)) || substring($kind, 2) || ': '
      || (if ($kind = 'superfluous text') then 'the transcription reads “' || ce:witness-reading($intervention) || '”, omitted in the reading text'
          else 'the transcription reads “' || ce:witness-reading($intervention) || '”, the edition “' || ce:edited-reading($intervention) || '”')
      || '. Certainty: ' || ce:certainty($intervention)
      || (if ($sources) then '. Evidence: witness ' || $sources else '')
      || (if (ce:notes-on($intervention)) then '. ' || string-join(ce:notes-on($intervention) ! ce:note-text(.), ' ') else '')"/>
    <xsl:sequence select="if (matches($summary, '[.!?]$')) then $summary else $summary || '.'"/>
  </xsl:function>

  <!-- ========================================================== the document page -->

  <!-- What reference managers, search engines and harvesters read in the page's head, all
       from the document's entry and Dublin Core record (made once, for the exports too):
       Highwire Press tags (Zotero, Google Scholar), Dublin Core, schema.org JSON-LD, and
       links to the other forms of the document. -->
  <xsl:template name="ce:citation-head">
    <xsl:param name="entry" as="element(document)"/>
    <xsl:param name="dc" as="element()"/>
    <xsl:variable name="id" select="string($entry/@id)"/>
    <xsl:variable name="sent" select="$entry/action[@type = 'sent']"/>
    <xsl:variable name="received" select="$entry/action[@type = 'received']"/>
    <meta name="citation_title" content="{$entry/@title}"/>
    <xsl:for-each select="$sent/person, $sent/org[empty($sent/person)]">
      <meta name="citation_author" content="{@name}"/>
    </xsl:for-each>
    <xsl:for-each select="$entry/@when[. != '']">
      <meta name="citation_date" content="{translate(., '-', '/')}"/>
      <meta name="citation_publication_date" content="{translate(., '-', '/')}"/>
    </xsl:for-each>
    <meta name="citation_publisher" content="{$entry/@publisher}"/>
    <meta name="citation_language" content="{$entry/@lang}"/>
    <meta name="citation_keywords" content="{$entry/@subject}"/>
    <xsl:for-each select="$entry/@url[. != '']">
      <meta name="citation_public_url" content="{.}"/>
      <meta name="citation_abstract_html_url" content="{.}"/>
      <link rel="canonical" href="{.}"/>
    </xsl:for-each>
    <link rel="schema.DC" href="http://purl.org/dc/elements/1.1/"/>
    <xsl:for-each select="$dc/*">
      <meta name="DC.{local-name()}" content="{normalize-space(.)}"/>
    </xsl:for-each>
    <link rel="alternate" type="application/tei+xml" href="{$id}.xml" title="TEI XML"/>
    <link rel="alternate" type="application/xml" href="{$id}.dc.xml" title="Dublin Core (oai_dc)"/>
    <link rel="alternate" type="application/json" href="{$id}.json" title="JSON"/>
    <link rel="alternate" type="application/vnd.citationstyles.csl+json" href="{$id}.csl.json" title="CSL-JSON"/>
    <script type="application/ld+json">{ce:json-for-script(ce:json-ld($entry))}</script>
  </xsl:template>

  <!-- The cable as a schema.org Message; the context is written out (no remote context to
       fetch), so any JSON-LD processor expands it offline. -->
  <xsl:function name="ce:json-ld" as="map(*)">
    <xsl:param name="entry" as="element(document)"/>
    <xsl:variable name="agent" as="function(element()) as map(*)" select="function($who) {
        map:merge((map { '@type': if ($who/self::person) then 'Person' else 'Organization', 'name': string($who/@name) },
                   $who/@ref[. != ''] ! map { 'sameAs': string(.) })) }"/>
    <xsl:variable name="sent" select="$entry/action[@type = 'sent']"/>
    <xsl:variable name="received" select="$entry/action[@type = 'received']"/>
    <xsl:sequence select="map:merge((
        map { '@context': map { '@vocab': 'https://schema.org/' }, '@type': 'Message' },
        $entry/@url[. != ''] ! map { '@id': string(.), 'url': string(.) },
        map { 'name': string($entry/@title), 'about': string($entry/@subject), 'identifier': string($entry/@number),
              'inLanguage': string($entry/@lang),
              'sender': array { ce:parties($sent) ! $agent(.) },
              'recipient': array { ce:parties($received) ! $agent(.) } },
        $entry/@when[. != ''] ! map { 'dateSent': string(.) },
        $sent/place[1] ! map { 'locationCreated': map:merge((map { '@type': 'Place', 'name': string(@name) },
                                                            @ref[. != ''] ! map { 'sameAs': string(.) })) },
        $entry/@licence[. != ''] ! map { 'license': string(.) },
        map { 'publisher': map { '@type': 'Organization', 'name': string($entry/@publisher) },
              'isPartOf': map:merge((map { '@type': 'Collection', 'name': 'cable-edition' },
                                     ($base-url[. != ''] ! map { 'url': . }))) },
        $entry/reply-to[1] ! map { 'citation': array { $entry/reply-to ! map {
            '@type': 'Message', 'identifier': string(.), 'description': 'The cable this one answers' } } }
      ))"/>
  </xsl:function>

  <xsl:template name="ce:document-page">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:param name="entry" as="element(document)"/>
    <xsl:param name="dc" as="element()"/>
    <xsl:variable name="id" select="string($tei/@xml:id)"/>
    <xsl:variable name="header" select="$tei/tei:teiHeader"/>
    <xsl:variable name="witnesses" select="ce:witnesses($tei)"/>
    <xsl:call-template name="ce:page">
      <xsl:with-param name="style" select="ce:witness-css($witnesses[position() gt 1] ! ce:siglum(.))"/>
      <xsl:with-param name="title" select="normalize-space($header//tei:titleStmt/tei:title[@type = 'main'][1])"/>
      <xsl:with-param name="head">
        <xsl:if test="not(ce:is-draft($tei))">
          <xsl:call-template name="ce:citation-head">
            <xsl:with-param name="entry" select="$entry"/>
            <xsl:with-param name="dc" select="$dc"/>
          </xsl:call-template>
        </xsl:if>
      </xsl:with-param>
      <xsl:with-param name="kicker" select="'cable-edition · ' || normalize-space($header//tei:bibl[@type = 'cable']/tei:idno[1])"/>
      <xsl:with-param name="script" select="true()"/>
      <xsl:with-param name="root" select="'../'"/>
      <xsl:with-param name="content-of" select="$tei"/>
    </xsl:call-template>
  </xsl:template>

  <!-- The body of a document page: the text and its views, the panel, the notes. -->
  <xsl:template match="tei:TEI" mode="ce:page-content">
    <xsl:variable name="tei" select="."/>
    <xsl:variable name="witnesses" select="ce:witnesses($tei)"/>
        <div class="layout">
          <div class="text-column">
            <xsl:if test="ce:is-draft($tei)">
              <p class="draft-banner" role="note"><strong>Draft.</strong> This document still holds
                placeholders left by the importer (marked in its TEI with type="placeholder"): who
                sent and received it, or when, is not yet established. It is not exported and
                should not be cited.</p>
            </xsl:if>
            <fieldset class="views">
              <legend>View</legend>
              <input type="radio" name="view" id="view-reading" value="reading" checked="checked"/>
              <label for="view-reading">Reading text</label>
              <input type="radio" name="view" id="view-diplomatic" value="diplomatic"/>
              <label for="view-diplomatic">Diplomatic text<xsl:if test="count($witnesses) gt 1"> ({ce:siglum($witnesses[1])})</xsl:if></label>
              <xsl:for-each select="$witnesses[position() gt 1]">
                <input type="radio" name="view" id="view-witness-{ce:siglum(.)}" value="witness-{ce:siglum(.)}"/>
                <label for="view-witness-{ce:siglum(.)}">Witness {ce:siglum(.)}</label>
              </xsl:for-each>
            </fieldset>
            <p class="view-hint">
              <span class="hint-reading">The cable as edited: corrections applied, abbreviations
                expanded. Marked words have a note: hover, focus or follow the number.</span>
              <span class="hint-diplomatic">The witness as transcribed, errors marked [sic],
                with the transcriber's own title lines.</span>
              <xsl:for-each select="$witnesses[position() gt 1]">
                <span class="hint-witness hint-witness-{ce:siglum(.)}">Witness {ce:siglum(.)} as collated
                  with {ce:siglum($witnesses[1])}: its own readings, where it has text; what it lacks is
                  left out and its breaks are marked.<xsl:for-each select="string-join($tei/tei:teiHeader//tei:normalization[@corresp = '#' || current()/@xml:id]//tei:item ! normalize-space(.), '; ')[.]"> Not recorded as variants: {.}.</xsl:for-each></span>
              </xsl:for-each>
            </p>
            <article class="cable" aria-label="Text of the cable">
              <xsl:apply-templates select="$tei/tei:text/tei:front, $tei/tei:text/tei:body" mode="html"/>
            </article>
          </div>
          <!-- In the order a sighted reader meets them: the text, the panel beside it, then
               the notes below the text (the grid places the panel in its own column). -->
          <xsl:call-template name="ce:metadata"><xsl:with-param name="tei" select="$tei"/></xsl:call-template>
          <div class="notes-column">
            <xsl:call-template name="ce:archive-notes"><xsl:with-param name="tei" select="$tei"/></xsl:call-template>
            <xsl:call-template name="ce:apparatus"><xsl:with-param name="tei" select="$tei"/></xsl:call-template>
            <xsl:call-template name="ce:variants"><xsl:with-param name="tei" select="$tei"/></xsl:call-template>
            <xsl:call-template name="ce:entity-index"><xsl:with-param name="tei" select="$tei"/></xsl:call-template>
          </div>
        </div>
  </xsl:template>

  <!-- ======================================================== metadata panel -->

  <xsl:template name="ce:metadata">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="header" select="$tei/tei:teiHeader"/>
    <xsl:variable name="cable" select="$header//tei:bibl[@type = 'cable']"/>
    <xsl:variable name="sent" select="$header//tei:correspAction[@type = 'sent']"/>
    <xsl:variable name="received" select="ce:action-addressees($header)"/>
    <xsl:variable name="id" select="string($tei/@xml:id)"/>
    <aside class="meta" aria-labelledby="meta-heading">
      <h2 id="meta-heading">About this {lower-case(ce:document-kind($tei)) => replace('^code ', '')}</h2>
      <dl>
        <dt>From</dt>
        <dd><xsl:apply-templates select="$sent/(tei:persName | tei:orgName | tei:placeName)" mode="meta-name"/></dd>
        <dt>To</dt>
        <dd><xsl:apply-templates select="$received/(tei:persName | tei:orgName | tei:placeName)" mode="meta-name"/></dd>
        <xsl:for-each select="ce:info-action($header)">
          <dt>Information addressees</dt>
          <dd><xsl:apply-templates select="tei:persName | tei:orgName | tei:placeName" mode="meta-name"/></dd>
        </xsl:for-each>
        <dt>Date</dt>
        <dd>
          {normalize-space($sent/tei:date)}
          <xsl:for-each select="$sent/tei:date/@when">
            <span class="iso">(<time datetime="{.}">{.}</time>)</span>
          </xsl:for-each>
          <xsl:for-each select="$header//tei:correspDesc/tei:note">
            <span class="note-text">{normalize-space(.)}</span>
          </xsl:for-each>
        </dd>
        <xsl:for-each select="$cable/tei:idno[@type = 'cable-number']">
          <dt>{if (ce:document-kind($tei) = 'Code cable') then 'Cable' else ce:document-kind($tei)} number</dt>
          <dd>{normalize-space(.)}</dd>
        </xsl:for-each>
        <xsl:for-each select="$cable/tei:title[@type = 'subject']">
          <dt>Subject</dt>
          <dd>{normalize-space(.)}</dd>
        </xsl:for-each>
        <xsl:for-each select="$cable/tei:title[@type = 'archival']">
          <dt>Title in {ce:archive-name($tei)}</dt>
          <dd>{normalize-space(.)}</dd>
        </xsl:for-each>
        <xsl:for-each select="'classification', 'precedence'">
          <xsl:variable name="kind" select="."/>
          <xsl:for-each select="$cable/tei:note[@type = $kind]">
            <dt>{$ce:marking-labels($kind)}</dt>
            <dd>{normalize-space(.)}</dd>
          </xsl:for-each>
        </xsl:for-each>
        <xsl:if test="$cable/tei:note[@type = 'handling']">
          <dt>Handling markings</dt>
          <dd><xsl:value-of select="$cable/tei:note[@type = 'handling'] ! normalize-space(.)" separator="; "/></dd>
        </xsl:if>
        <xsl:for-each select="$cable/tei:idno[@type = 'archive']">
          <dt>In {upper-case(@subtype)}</dt>
          <dd>
            <xsl:variable name="href" select="ce:safe-href($cable/tei:ref[@type = 'archive']/@target)"/>
            <xsl:choose>
              <xsl:when test="$href"><a href="{$href}">{normalize-space(.)}</a></xsl:when>
              <xsl:otherwise>{normalize-space(.)}</xsl:otherwise>
            </xsl:choose>
          </dd>
        </xsl:for-each>
        <xsl:for-each select="$cable/tei:note[@type = 'source']">
          <dt>Source note by {ce:archive-name($tei)}</dt>
          <dd>{normalize-space(.)}</dd>
        </xsl:for-each>
        <xsl:for-each select="$header//tei:correspContext/tei:ref[@type = 'replyTo']">
          <dt>In reply to</dt>
          <dd>
            <xsl:variable name="record" select="ce:record(@target, .)"/>
            <a class="entity" href="#{$record/@xml:id}">{normalize-space($record/tei:idno[1])}</a>
            <xsl:if test="$record/tei:title">, “{normalize-space($record/tei:title)}”</xsl:if>
          </dd>
        </xsl:for-each>
        <dt>Witnesses</dt>
        <xsl:for-each select="$header//tei:listWit/tei:witness">
          <dd id="{@xml:id}"><xsl:apply-templates mode="text-only"/></dd>
        </xsl:for-each>
        <xsl:if test="$header//tei:sourceDesc/tei:listBibl/tei:bibl">
          <dt>Secondary evidence</dt>
          <xsl:for-each select="$header//tei:sourceDesc/tei:listBibl/tei:bibl">
            <dd id="{@xml:id}">{normalize-space(.)}</dd>
          </xsl:for-each>
        </xsl:if>
        <xsl:for-each select="$cable/tei:note[not(@type)]">
          <dt>The original</dt>
          <dd>{normalize-space(.)}</dd>
        </xsl:for-each>
        <dt>Editors</dt>
        <xsl:for-each select="$header//tei:titleStmt/tei:respStmt">
          <dd>{normalize-space(tei:resp)} {string-join((tei:persName, tei:orgName) ! normalize-space(.), ', ')}</dd>
        </xsl:for-each>
        <dt>Licence</dt>
        <dd>
          <xsl:variable name="licence" select="($header//tei:licence)[1]"/>
          <xsl:variable name="href" select="ce:safe-href($licence/@target)"/>
          <xsl:choose>
            <xsl:when test="$href"><a href="{$href}" rel="license">{normalize-space($licence)}</a></xsl:when>
            <xsl:otherwise>{normalize-space($licence)}</xsl:otherwise>
          </xsl:choose>
        </dd>
        <dt>Downloads</dt>
        <dd>
          <a href="{$id}.xml">TEI XML</a> ·
          <a href="{$id}.reading.txt">reading text</a> ·
          <a href="{$id}.diplomatic.txt">diplomatic text</a> ·
          <xsl:for-each select="ce:witnesses($tei)[position() gt 1]">
            <a href="{$id}.witness-{ce:siglum(.)}.txt">witness {ce:siglum(.)}</a> ·
          </xsl:for-each>
          <xsl:if test="not(ce:is-draft($tei))">
            <a href="{$id}.dc.xml">Dublin Core</a> ·
            <a href="{$id}.json">JSON</a> ·
            <a href="{$id}.csl.json">CSL-JSON</a>
          </xsl:if>
        </dd>
      </dl>
      <xsl:if test="not(ce:is-draft($tei))">
        <h2 id="cite-heading">How to cite</h2>
        <p class="cite"><xsl:sequence select="$citation"/></p>
        <p class="cite-more">Rendered from <a href="{$id}.csl.json" type="application/vnd.citationstyles.csl+json">the
          cable's CSL-JSON</a> (Chicago author-date) by a CSL processor; import it into any reference
          manager. Paragraphs are cited by their anchors, e.g. <a href="#{$id}-p1">{ce:document-url($id)}#{$id}-p1</a>.</p>
      </xsl:if>
    </aside>
  </xsl:template>

  <xsl:template match="tei:persName | tei:orgName | tei:placeName" mode="meta-name">
    <xsl:variable name="record" select="ce:record(@ref, .)"/>
    <xsl:if test="position() gt 1">, </xsl:if>
    <xsl:choose>
      <xsl:when test="$record"><a class="entity" href="#{$record/@xml:id}">{normalize-space(.)}</a></xsl:when>
      <xsl:otherwise>{normalize-space(.)}</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:mode name="text-only" on-no-match="text-only-copy"/>

  <!-- ============================================================== the text -->

  <!-- html-gaps is html where a witness may lack part of a block: there, the parts it lacks
       are wrapped to be hidden in its view. A block in which no witness begins, breaks off,
       resumes or ends is rendered in html, which spares every node that test: all its parts
       lack what the block lacks (and the block carries that itself). -->
  <xsl:mode name="html" on-no-match="text-only-copy"/>
  <xsl:mode name="html-gaps" on-no-match="text-only-copy"/>

  <xsl:function name="ce:has-gaps" as="xs:boolean">
    <xsl:param name="block" as="element()"/>
    <xsl:sequence select="exists($block//(tei:lacunaStart | tei:lacunaEnd | tei:witStart | tei:witEnd))"/>
  </xsl:function>

  <!-- A block's content, in the mode its gaps need. -->
  <xsl:template name="ce:block-content">
    <xsl:param name="nodes" as="node()*" select="node()"/>
    <xsl:choose>
      <xsl:when test="ce:has-gaps(.)"><xsl:apply-templates select="$nodes" mode="html-gaps"/></xsl:when>
      <xsl:otherwise><xsl:apply-templates select="$nodes" mode="html"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="tei:front" mode="html html-gaps">
    <div class="{string-join(('transcriber', 'diplomatic-only',
                 ce:witnesses(ancestor::tei:TEI)[position() gt 1] ! ('absent-' || ce:siglum(.))), ' ')}">
      <p class="who">Title lines added by the transcriber (witness T), not part of the cable</p>
      <xsl:apply-templates select=".//tei:ab" mode="#current"/>
    </div>
  </xsl:template>

  <xsl:template match="tei:ab" mode="html html-gaps">
    <p><xsl:apply-templates mode="#current"/></p>
  </xsl:template>

  <xsl:template match="tei:body" mode="html html-gaps">
    <xsl:call-template name="ce:block-content"><xsl:with-param name="nodes" select="tei:div/*"/></xsl:call-template>
  </xsl:template>

  <xsl:template match="tei:list[@type = 'heading']" mode="html html-gaps">
    <div class="cable-heading" role="group" aria-label="Heading of the cable" id="{ce:document-id(.)}-heading">
      <xsl:for-each select="tei:item">
        <p class="{string-join(('hl', 'hl-' || @n, ce:absent-sigla(.) ! ('absent-' || .)), ' ')}"><xsl:call-template name="ce:block-content"/></p>
      </xsl:for-each>
    </div>
  </xsl:template>

  <xsl:template match="tei:label[ancestor::tei:item]" mode="html html-gaps">
    <span class="hl-label">{normalize-space(.)}</span>
  </xsl:template>

  <xsl:template match="tei:p[@n]" mode="html html-gaps">
    <p class="{string-join(('para', ce:absent-sigla(.) ! ('absent-' || .)), ' ')}" id="{@xml:id}">
      <a class="anchor" href="#{@xml:id}" aria-label="Link to paragraph {@n}">¶</a>
      <xsl:call-template name="ce:block-content"/>
    </p>
  </xsl:template>

  <xsl:template match="tei:p/tei:label" mode="html html-gaps">
    <span class="num">{normalize-space(.)}</span>
  </xsl:template>

  <xsl:template match="tei:closer" mode="html html-gaps">
    <p class="{string-join(('closer', ce:absent-sigla(.) ! ('absent-' || .)), ' ')}"><xsl:call-template name="ce:block-content"><xsl:with-param name="nodes" select="*"/></xsl:call-template></p>
  </xsl:template>

  <xsl:template match="tei:seg[@type = 'handling']" mode="html html-gaps">
    <span class="handling"><xsl:apply-templates mode="#current"/></span>
  </xsl:template>

  <xsl:template match="tei:gap" mode="html html-gaps">
    <span class="gap">[{normalize-space(tei:desc)}]</span>
  </xsl:template>

  <!-- A cable known only from quotations: each quotation with its source. -->
  <xsl:template match="tei:cit" mode="html html-gaps">
    <figure class="quotation" id="{@xml:id}">
      <blockquote><p><xsl:call-template name="ce:block-content"><xsl:with-param name="nodes" select="tei:quote/node()"/></xsl:call-template></p></blockquote>
      <figcaption>— <cite>{normalize-space(tei:bibl)}</cite></figcaption>
    </figure>
  </xsl:template>

  <xsl:template match="tei:date" mode="html html-gaps">
    <time datetime="{@when}"><xsl:apply-templates mode="#current"/></time>
  </xsl:template>

  <xsl:template match="tei:note" mode="html html-gaps"/>

  <!-- The archive's footnote: its number, linked to the note below the text. -->
  <xsl:template match="tei:note[@type = 'archive']" mode="html html-gaps">
    <xsl:variable name="id" select="ce:archive-note-id(.)"/>
    <sup class="fn"><a href="#{$id}" id="{$id}-ref" role="doc-noteref" aria-label="Note {@n} by {ce:archive-name(ancestor::tei:TEI)}">{@n}</a></sup>
  </xsl:template>

  <xsl:template match="tei:opener" mode="html html-gaps">
    <xsl:apply-templates select="tei:dateline" mode="#current"/>
  </xsl:template>
  <xsl:template match="tei:dateline" mode="html html-gaps">
    <p class="dateline"><xsl:call-template name="ce:block-content"/></p>
  </xsl:template>

  <xsl:template match="tei:quote[@type = 'block']" mode="html html-gaps">
    <blockquote class="block">
      <xsl:for-each select="tei:p">
        <p><xsl:call-template name="ce:block-content"/></p>
      </xsl:for-each>
    </blockquote>
  </xsl:template>

  <xsl:template match="tei:signed" mode="html html-gaps">
    <span class="signed"><xsl:apply-templates mode="#current"/></span>
  </xsl:template>

  <!-- The archive's footnotes, below the text, each linked back to its place. -->
  <xsl:template name="ce:archive-notes">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="notes" select="ce:archive-notes($tei)"/>
    <xsl:if test="exists($notes)">
      <section class="archive-notes" aria-labelledby="archive-notes-heading">
        <h2 id="archive-notes-heading">Notes by {ce:archive-name($tei)}</h2>
        <ul>
          <xsl:for-each select="$notes">
            <li id="{ce:archive-note-id(.)}" role="doc-footnote">
              <span class="fn-n">{@n}.</span>
              <xsl:text> </xsl:text>
              <xsl:apply-templates mode="html"/>
              <xsl:text> </xsl:text>
              <a class="back" href="#{ce:archive-note-id(.)}-ref" aria-label="Back to the text">↩</a>
            </li>
          </xsl:for-each>
        </ul>
      </section>
    </xsl:if>
  </xsl:template>

  <!-- A passage that an explanatory note targets: the passage, then its note reference. -->
  <xsl:template match="tei:seg[@xml:id]" mode="html html-gaps">
    <span class="annotated"><xsl:apply-templates mode="#current"/></span>
    <xsl:apply-templates select="." mode="noteref"/>
  </xsl:template>

  <!-- An intervention: both sides, each shown only in its view, then its note reference
       (unless it stands inside an entity link: links cannot nest, so the entity places the
       reference after itself). -->
  <xsl:template match="tei:choice" mode="html html-gaps">
    <xsl:param name="in-link" as="xs:boolean" select="false()" tunnel="yes"/>
    <span class="iv {ce:kind(.) => replace(' ', '-')}">
      <span class="reading-only"><xsl:apply-templates select="ce:edited-side(.)/node()" mode="#current"/></span>
      <span class="diplomatic-only{' sic'[current()/tei:sic]}"><xsl:apply-templates select="ce:witness-side(.)/node()" mode="#current"/></span>
    </span>
    <xsl:if test="not($in-link)">
      <xsl:apply-templates select="." mode="noteref"/>
    </xsl:if>
  </xsl:template>

  <!-- A witness variant: every reading, each shown only in the views of its witnesses. -->
  <xsl:template match="tei:app" mode="html html-gaps">
    <span class="app" id="{@xml:id}">
      <xsl:for-each select="tei:lem | tei:rdg">
        <span class="{string-join((local-name(), ce:reading-sigla(.) ! ('wit-' || .)), ' ')}">
          <xsl:apply-templates mode="#current"/>
        </span>
      </xsl:for-each>
    </span>
  </xsl:template>

  <xsl:template match="tei:lacunaStart | tei:lacunaEnd | tei:witStart | tei:witEnd" mode="html html-gaps">
    <xsl:variable name="event" select="."/>
    <xsl:for-each select="ce:wits(.) ! ce:record(., $event)/tei:abbr ! normalize-space(.)">
      <span class="break wit-{.}"> {ce:break-marker($event, .)}</span>
    </xsl:for-each>
  </xsl:template>

  <!-- The topmost parts of a paragraph that a witness lacks: hidden in that witness's view
       (whole lines and paragraphs carry the class themselves). -->
  <xsl:template match="tei:body//node()[not(self::tei:p or self::tei:item or self::tei:closer or self::tei:list
                       or self::tei:div)][ce:absent-sigla(.)[not(. = ce:absent-sigla(current()/..))]]"
                mode="html-gaps" priority="10">
    <span class="{ce:absent-sigla(.) ! ('absent-' || .)}"><xsl:next-match/></span>
  </xsl:template>

  <xsl:template match="tei:surplus" mode="html html-gaps">
    <xsl:param name="in-link" as="xs:boolean" select="false()" tunnel="yes"/>
    <span class="iv surplus diplomatic-only"><xsl:apply-templates mode="#current"/></span>
    <xsl:if test="not($in-link)">
      <xsl:apply-templates select="." mode="noteref"/>
    </xsl:if>
  </xsl:template>

  <!-- A name: a link to its entry in the index, which links back to every occurrence. -->
  <xsl:template match="tei:persName | tei:orgName | tei:placeName | tei:rs | tei:ref[@type = 'document']" mode="html html-gaps">
    <xsl:variable name="record" select="ce:record(ce:pointer(.), .)"/>
    <a class="entity" id="{ce:occurrence-id(.)}" href="#{$record/@xml:id}">
      <xsl:apply-templates mode="#current">
        <xsl:with-param name="in-link" select="true()" tunnel="yes"/>
      </xsl:apply-templates>
    </a>
    <xsl:apply-templates select=".//(tei:choice | tei:surplus | tei:seg[@xml:id])" mode="noteref"/>
  </xsl:template>

  <xsl:mode name="noteref" on-no-match="deep-skip"/>

  <!-- A passage with an id but no note on it carries no note reference. -->
  <xsl:template match="tei:seg[@xml:id][empty(ce:notes-on(.))]" mode="noteref" priority="2"/>

  <!-- Inside a reading, the reference shows only where the reading does. -->
  <xsl:template match="(tei:choice | tei:surplus | tei:seg[@xml:id])[ancestor::tei:lem or ancestor::tei:rdg]" mode="noteref" priority="3">
    <xsl:variable name="reading" select="ancestor::*[self::tei:lem or self::tei:rdg][1]"/>
    <span class="{string-join((local-name($reading), ce:reading-sigla($reading) ! ('wit-' || .)), ' ')}"><xsl:next-match/></span>
  </xsl:template>

  <xsl:template match="tei:choice | tei:surplus | tei:seg[@xml:id]" mode="noteref">
    <xsl:variable name="n" select="ce:note-number(.)"/>
    <xsl:variable name="summary" select="if (self::tei:seg) then string-join(ce:notes-on(.) ! ce:note-text(.), ' ')
                                         else ce:intervention-summary(.)"/>
    <a class="noteref" href="#{@xml:id}" id="{@xml:id}-ref" role="doc-noteref" data-n="{$n}"
       aria-label="Note {$n}" aria-describedby="{@xml:id}-tip"><span class="tip" role="tooltip" id="{@xml:id}-tip">{$summary}</span></a>
  </xsl:template>

  <!-- ========================================================= the apparatus -->

  <xsl:template name="ce:apparatus">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="annotated" select="ce:annotated($tei)"/>
    <xsl:if test="exists($annotated)">
      <section class="apparatus" aria-labelledby="apparatus-heading">
        <h2 id="apparatus-heading">Editorial interventions and notes</h2>
        <ol>
          <xsl:for-each select="$annotated">
            <li>
              <aside id="{@xml:id}" role="doc-footnote" aria-label="Note {position()}">
                <span class="place">{upper-case(substring(ce:place(.), 1, 1)) || substring(ce:place(.), 2)}:</span>
                <xsl:text> </xsl:text>
                <xsl:choose>
                  <xsl:when test="self::tei:seg">
                    <q>{normalize-space(.)}</q>
                  </xsl:when>
                  <xsl:when test="ce:kind(.) = 'superfluous text'">
                    <q>{ce:witness-reading(.)}</q>
                    <xsl:text> omitted in the reading text. </xsl:text>
                  </xsl:when>
                  <xsl:otherwise>
                    <q>{ce:edited-reading(.)}</q>
                    <xsl:text> for </xsl:text>
                    <q>{ce:witness-reading(.)}</q>
                    <xsl:text> (transcription). </xsl:text>
                  </xsl:otherwise>
                </xsl:choose>
                <xsl:if test="not(self::tei:seg)">
                  <span class="kind">{ce:kind(.)}</span>
                  <xsl:text>; certainty {ce:certainty(.)}</xsl:text>
                  <xsl:for-each select="ce:decision(.)/@reason">
                    <xsl:text>; reason: {.}</xsl:text>
                  </xsl:for-each>
                  <xsl:for-each select="tokenize(ce:decision(.)/@source)">
                    <xsl:text>{if (position() = 1) then '; evidence: ' else ', '}</xsl:text>
                    <a href="{ce:safe-href(.)}">witness {ce:record(., $tei)/tei:abbr}</a>
                  </xsl:for-each>
                  <xsl:text>.</xsl:text>
                </xsl:if>
                <xsl:variable name="annotated-id" select="string(@xml:id)"/>
                <xsl:for-each select="ce:notes-on(.)">
                  <!-- A note on several places is shown at each; its id goes to the first. -->
                  <span class="note-text">
                    <xsl:if test="tokenize(@target)[1] = '#' || $annotated-id">
                      <xsl:attribute name="id" select="@xml:id"/>
                    </xsl:if>
                    <xsl:apply-templates mode="note"/>
                  </span>
                </xsl:for-each>
                <xsl:text> </xsl:text>
                <a class="backlink" href="#{@xml:id}-ref" role="doc-backlink" aria-label="Back to note {position()} in the text">↩</a>
              </aside>
            </li>
          </xsl:for-each>
        </ol>
      </section>
    </xsl:if>
  </xsl:template>

  <!-- The witness variants, apart from the interventions: every reading with its sigla. -->
  <xsl:template name="ce:variants">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <xsl:variable name="apps" select="$tei/tei:text//tei:app"/>
    <xsl:if test="exists($apps)">
      <section class="variants" aria-labelledby="variants-heading">
        <h2 id="variants-heading">Witness variants</h2>
        <p class="variants-note">Where the witnesses differ ({string-join(ce:witnesses($tei) ! ce:siglum(.), ', ')});
          the first is the copy-text. Choose a witness's view above to read its text.</p>
        <ol>
          <xsl:for-each select="$apps">
            <li id="{@xml:id}-entry">
              <span class="place">{upper-case(substring(ce:place(.), 1, 1)) || substring(ce:place(.), 2)}:</span>
              <xsl:text> </xsl:text>
              <xsl:for-each select="ce:variant-readings(.)">
                <xsl:if test="position() gt 1">; </xsl:if>
                <q>{?text}</q>
                <xsl:text> </xsl:text>
                <span class="sigla">{?sigla}</span>
                <xsl:value-of select="?breaks"/>
              </xsl:for-each>
              <xsl:text>.</xsl:text>
              <xsl:for-each select="ce:notes-on(.)">
                <xsl:text> </xsl:text>
                <span class="note-text" id="{@xml:id}"><xsl:apply-templates mode="note"/></span>
              </xsl:for-each>
            </li>
          </xsl:for-each>
        </ol>
      </section>
    </xsl:if>
  </xsl:template>

  <!-- The CSS of the witness views, for this page's sigla. -->
  <xsl:function name="ce:witness-css" as="xs:string">
    <xsl:param name="sigla" as="xs:string*"/>
    <xsl:sequence select="string-join($sigla ! (
        let $on := 'body:has(#view-witness-' || . || ':checked) '
        return $on || '.rdg.wit-' || . || ', ' || $on || '.break.wit-' || . || ' { display: inline; }&#10;'
            || $on || '.lem:not(.wit-' || . || '), ' || $on || '.absent-' || . || ' { display: none; }&#10;'
            || $on || '.hint-witness-' || . || ' { display: inline; }&#10;'))"/>
  </xsl:function>

  <xsl:mode name="note" on-no-match="text-only-copy"/>
  <xsl:template match="tei:ref[@target]" mode="note">
    <xsl:variable name="record" select="ce:record(@target, .)"/>
    <a href="{ce:safe-href(@target)}" title="{normalize-space($record)}"><xsl:apply-templates mode="#current"/></a>
  </xsl:template>

  <!-- ========================================================== the entities -->

  <xsl:template name="ce:entity-index">
    <xsl:param name="tei" as="element(tei:TEI)"/>
    <!-- One group per record: the record and the places that name it. -->
    <xsl:variable name="groups" as="map(*)*">
      <xsl:for-each-group select="ce:entities($tei)" group-by="ce:pointer(.)">
        <xsl:variable name="record" select="ce:record(current-grouping-key(), .)"/>
        <xsl:sequence select="map { 'record': $record, 'occurrences': current-group(),
            'kind': local-name($record), 'name': ce:record-name($record) }"/>
      </xsl:for-each-group>
    </xsl:variable>
    <section class="entities" aria-labelledby="entities-heading">
      <h2 id="entities-heading">Persons, organisations, places and documents</h2>
      <xsl:for-each select="map { 'heading': 'Persons', 'kind': 'person' }, map { 'heading': 'Organisations', 'kind': 'org' },
                            map { 'heading': 'Places', 'kind': 'place' }, map { 'heading': 'Documents', 'kind': 'bibl' }">
        <xsl:variable name="kind" select="?kind"/>
        <xsl:variable name="members" select="$groups[?kind = $kind]"/>
        <xsl:if test="exists($members)">
          <h3>{?heading}</h3>
          <dl>
            <xsl:for-each select="$members">
              <xsl:sort select="lower-case(?name)"/>
              <xsl:apply-templates select="?record" mode="index-entry">
                <xsl:with-param name="occurrences" select="?occurrences"/>
              </xsl:apply-templates>
            </xsl:for-each>
          </dl>
        </xsl:if>
      </xsl:for-each>
    </section>
  </xsl:template>

  <!-- One entry of the index: the record, its verified identifiers, its occurrences. -->
  <xsl:template match="*" mode="index-entry">
    <xsl:param name="occurrences" as="element()*"/>
    <dt id="{@xml:id}">{ce:record-name(.)}</dt>
    <dd>
      {ce:record-note(.)}
      <span class="authority">
        <xsl:choose>
          <xsl:when test="tei:idno[@type = ('wikidata', 'geonames', 'viaf')]">
            Authority:
            <xsl:for-each select="tei:idno[@type = ('wikidata', 'geonames', 'viaf')]">
              <xsl:if test="position() gt 1">, </xsl:if>
              <a href="{ce:safe-href(normalize-space(.))}">{ce:authority-label(.)}</a>
            </xsl:for-each>.
          </xsl:when>
          <xsl:otherwise>No verified authority identifier.</xsl:otherwise>
        </xsl:choose>
      </span>
      <span class="occurrences">
        In the text:
        <xsl:for-each select="$occurrences">
          <xsl:if test="position() gt 1">, </xsl:if>
          <a href="#{ce:occurrence-id(.)}">{ce:place(.)}{' (reading text)'[current()/ancestor::tei:corr or current()/ancestor::tei:reg or current()/ancestor::tei:expan]}</a>
        </xsl:for-each>
      </span>
    </dd>
  </xsl:template>

</xsl:stylesheet>
