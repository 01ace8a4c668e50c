// A saved form leads to its page with the outcome in the URL (?done=…, ?changed=…) so the page can
// say what happened. Once said, those parameters are taken out of the address: reloading the page,
// going back and forward to it, or copying its link no longer repeats "Decision recorded" for a
// decision made long before. The other parameters (filters, the app picked) stay.
(function () {
  "use strict";

  var OUTCOME_PARAMETERS = ["done", "changed", "change"];
  var url = new URL(window.location.href);
  var said = OUTCOME_PARAMETERS.filter(function (name) { return url.searchParams.has(name); });
  if (!said.length || !window.history.replaceState) { return; }
  said.forEach(function (name) { url.searchParams.delete(name); });
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
}());
