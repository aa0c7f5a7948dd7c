/* cable-edition: optional enhancement. The view switch works without this script (it is a
   pair of radio buttons styled by CSS); with it, the chosen view survives a reload and can
   be linked to, as ?view=diplomatic. */
(function () {
  "use strict";
  var radios = document.querySelectorAll('input[name="view"]');
  var wanted = new URLSearchParams(window.location.search).get("view");
  radios.forEach(function (radio) {
    if (radio.value === wanted) {
      radio.checked = true;
    }
    radio.addEventListener("change", function () {
      var url = new URL(window.location.href);
      url.searchParams.set("view", radio.value);
      try {
        window.history.replaceState(null, "", url.href);
      } catch (error) {
        /* Some browsers refuse to rewrite file: URLs; the view still switches. */
      }
    });
  });
})();
