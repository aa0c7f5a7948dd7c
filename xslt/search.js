/* cable-edition: the search page's script. It asks the build's Pagefind index (loaded
   only as far as a query needs) and keeps the query, the filters and the order in the URL,
   so that a search can be cited and shared. Without it, or from a file: URL (where
   browsers do not load the index), the page says what is needed and links the collection. */
(() => {
  "use strict";
  const form = document.querySelector(".search-form");
  const input = document.getElementById("search-query");
  const facetBox = document.getElementById("search-facets");
  const needs = document.getElementById("search-needs");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const more = document.getElementById("search-more");
  const facets = JSON.parse(facetBox.dataset.facets);       // [[name, label], …]
  const PAGE = 25;
  let bundles = [];            // one Pagefind instance per bundle of the index
  let merged = null;           // the current results, merged across bundles in order
  let total = 0;
  let shown = 0;
  let generation = 0;

  const params = () => new URLSearchParams(location.search);

  function chosen() {
    const p = params();
    const picked = {};
    for (const [name] of facets) {
      const values = p.getAll(name);
      if (values.length) picked[name] = values;
    }
    return picked;
  }

  function writeUrl(push) {
    const p = new URLSearchParams();
    const q = input.value.trim();
    if (q) p.set("q", q);
    if (facetsDrawn) {
      for (const box of facetBox.querySelectorAll("input[type=checkbox]:checked")) p.append(box.name, box.value);
    } else {                                           // the filters are still loading: keep the URL's
      for (const [name, values] of Object.entries(chosen())) values.forEach((v) => p.append(name, v));
    }
    const order = form.querySelector("select[name=sort]");
    const kept = params().get("sort");
    if (order && order.value !== "relevance") p.set("sort", order.value);
    else if (!order && kept) p.set("sort", kept);
    const url = `${location.pathname}${p.toString() ? "?" + p.toString() : ""}`;
    (push ? history.pushState : history.replaceState).call(history, null, "", url);
  }

  function element(name, attributes = {}, text = null) {
    const made = document.createElement(name);
    for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, value);
    if (text !== null) made.textContent = text;
    return made;
  }

  // Pagefind's excerpts mark the hits with <mark>; keep those and nothing else, as text.
  function excerpt(html) {
    const out = element("p", { class: "excerpt" });
    const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
    for (const node of parsed.body.childNodes) {
      if (node.nodeType === Node.ELEMENT_NODE && node.localName === "mark") {
        out.append(element("mark", {}, node.textContent));
      } else {
        out.append(document.createTextNode(node.textContent));
      }
    }
    return out;
  }

  function drawFacets(counts) {
    const picked = chosen();
    const order = element("p", { class: "order" });
    const label = element("label", { for: "search-sort" }, "Order ");
    const select = element("select", { id: "search-sort", name: "sort" });
    for (const [value, text] of [["relevance", "most relevant first"], ["date", "oldest first"],
                                 ["date-desc", "newest first"]]) {
      const option = element("option", { value }, text);
      if ((params().get("sort") || "relevance") === value) option.selected = true;
      select.append(option);
    }
    select.addEventListener("change", () => { writeUrl(true); run(); });
    label.append(select);
    order.append(label);
    facetBox.replaceChildren(order);
    for (const [name, title] of facets) {
      const values = Object.keys(counts[name] || {});
      if (!values.length) continue;
      values.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
      const details = element("details", { class: "facet" });
      if (picked[name]) details.open = true;
      details.append(element("summary", {}, title));
      const group = element("fieldset");
      group.append(element("legend", { class: "visually-hidden" }, title));
      values.forEach((value, n) => {
        const id = `facet-${name}-${n}`;
        const box = element("input", { type: "checkbox", id, name, value });
        if (picked[name] && picked[name].includes(value)) box.checked = true;
        box.addEventListener("change", () => { writeUrl(true); run(); });
        const text = element("label", { for: id }, `${value} `);
        text.append(element("span", { class: "count" }, `(${counts[name][value]})`));
        const row = element("div", { class: "facet-value" });
        row.append(box, text);
        group.append(row);
      });
      details.append(group);
      facetBox.append(details);
    }
  }

  function link(data) {
    // A hit in a paragraph links to that paragraph; a search by filters alone, to the cable.
    const target = input.value.trim() && data.sub_results && data.sub_results.length
      ? data.sub_results[0].url : data.url;
    return target.replace(/^\//, "");
  }

  async function showMore(count) {
    const mine = generation;
    const data = await merged.take(count);
    if (mine !== generation) return;
    for (const item of data) {
      const meta = item.meta || {};
      const li = element("li", { class: "result", "data-cable": item.url.replace(/^\//, "").split("/")[0] });
      const heading = element("h2", { class: "result-title" });
      heading.append(element("a", { href: link(item) }, `${meta.number} — ${meta.subject}`));
      const facts = element("p", { class: "result-facts" });
      facts.append(element("time", { datetime: meta.date || "" }, meta.dateText || meta.date || ""),
                   document.createTextNode(` · ${meta.from || "?"} → ${meta.to || "?"}`));
      li.append(heading, facts);
      const best = input.value.trim() && item.sub_results && item.sub_results.length
        ? item.sub_results[0].excerpt : item.excerpt;
      if (input.value.trim() && best) li.append(excerpt(best));
      list.append(li);
    }
    shown += data.length;
    more.hidden = shown >= total;
    more.textContent = `Show all ${total} results`;
    list.dataset.shown = String(shown);          // for those who wait on the page (tests, tools)
  }

  // The results of every bundle, one list in order: by score for relevance; by date
  // otherwise, merging the bundles' lists (each already sorted) with the date of each
  // list's head, so that only the results shown (and one head per bundle) are loaded.
  class Merged {
    constructor(lists, order) {
      this.lists = lists.map((results) => ({ results, next: 0, head: null }));
      this.order = order;
      this.size = lists.reduce((sum, results) => sum + results.length, 0);
      if (order === "relevance") {
        this.flat = lists.flat().sort((a, b) => b.score - a.score);
      }
    }

    async take(count) {
      if (this.flat) {
        const slice = this.flat.splice(0, count);
        return Promise.all(slice.map((result) => result.data()));
      }
      const taken = [];
      while (taken.length < count) {
        const open = this.lists.filter((list) => list.next < list.results.length);
        if (!open.length) break;
        await Promise.all(open.map(async (list) => {
          if (!list.head) list.head = await list.results[list.next].data();
        }));
        const later = this.order === "date-desc";
        const best = open.reduce((a, b) => {
          const [x, y] = [a.head.meta.date || "", b.head.meta.date || ""];
          return (later ? y > x : y < x) ? b : a;
        });
        taken.push(best.head);
        best.head = null;
        best.next += 1;
      }
      return taken;
    }
  }

  async function run() {
    const mine = ++generation;
    const q = input.value.trim();
    const picked = chosen();
    list.replaceChildren();
    more.hidden = true;
    if (!q && !Object.keys(picked).length) {
      status.textContent = "Type words to find, or choose filters below.";
      return;
    }
    status.textContent = "Searching…";
    delete list.dataset.shown;
    const filters = {};
    for (const [name, values] of Object.entries(picked)) filters[name] = { any: values };
    const order = params().get("sort") || (q ? "relevance" : "date");
    const options = { filters };
    if (order === "date") options.sort = { date: "asc" };
    if (order === "date-desc") options.sort = { date: "desc" };
    const searches = await Promise.all(bundles.map((bundle) => bundle.search(q || null, options)));
    if (mine !== generation) return;
    merged = new Merged(searches.map((search) => search.results), order);
    total = merged.size;
    shown = 0;
    status.textContent = total === 1 ? "1 cable found." : `${total} cables found.`;
    list.dataset.total = String(total);
    await showMore(PAGE);
  }

  async function start() {
    try {
      // The index comes in bundles (pagefind/bundles.json), each its own Pagefind (a module
      // imported from its own folder is an instance of its own).
      const listing = await fetch("pagefind/bundles.json");
      if (!listing.ok) throw new Error(`pagefind/bundles.json: ${listing.status}`);
      const names = (await listing.json()).bundles;
      bundles = await Promise.all(names.map((name) => import(`./pagefind/${name}/pagefind.js`)));
      await Promise.all(bundles.map((bundle) => bundle.options({ excerptLength: 24 })));
    } catch (error) {
      needs.classList.add("unavailable");           // the explanation stays, and says why
      return;
    }
    needs.hidden = true;
    input.value = params().get("q") || "";

    form.addEventListener("submit", (event) => { event.preventDefault(); writeUrl(true); run(); });
    let typing = null;
    input.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => { writeUrl(false); run(); }, 300);
    });
    more.addEventListener("click", () => showMore(total));
    window.addEventListener("popstate", () => { input.value = params().get("q") || ""; drawFacets(counts); run(); });
    // The results first: Pagefind answers one request at a time, and the filters (every
    // value with its count) take more of the index than a query does.
    await run();
    counts = {};
    for (const each of await Promise.all(bundles.map((bundle) => bundle.filters()))) {
      for (const [name, values] of Object.entries(each)) {
        counts[name] = counts[name] || {};
        for (const [value, n] of Object.entries(values)) counts[name][value] = (counts[name][value] || 0) + n;
      }
    }
    drawFacets(counts);
    facetsDrawn = true;
    facetBox.dataset.ready = "true";
  }

  let counts = {};
  let facetsDrawn = false;
  start();
})();
