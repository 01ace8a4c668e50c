// A new prompt version's rollout fields (templates/prompt_rollout.html): the canary share applies to a canary
// only, so it is hidden while "active" is chosen, and shown again when "canary" is. Without this script it
// stays, its label saying it is for a canary only; the server reads it only for a canary either way.
(function () {
  "use strict";

  document.querySelectorAll("select[data-rollout]").forEach(function (choice) {
    var share = choice.form ? choice.form.querySelector("[data-canary-only]") : null;
    if (!share || choice.hasAttribute("data-rollout-shown")) { return; }
    choice.setAttribute("data-rollout-shown", "");  // the macro's script tag runs once for each use on a page
    function show() { share.hidden = choice.value !== "canary"; }
    choice.addEventListener("change", show);
    show();
  });
}());
