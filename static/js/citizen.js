/* Citizen pages: small enhancements only; every page works without this script. */
(function () {
  "use strict";

  // Print buttons exist only where printing can be started from the page.
  document.querySelectorAll("[data-print]").forEach(function (holder) {
    var button = holder.querySelector("button");
    if (!button) { return; }
    holder.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // The submit page: show the standard of the service chosen in the list. The standards of
  // every service are already in the page (in "Service standards of all services").
  var select = document.getElementById("id_service");
  var shown = document.getElementById("standard-selected");
  var all = document.getElementById("standard-all");
  var none = document.getElementById("standard-none");
  if (select && shown && all) {
    select.addEventListener("change", function () {
      var source = null;
      all.querySelectorAll("[data-service]").forEach(function (section) {
        if (section.getAttribute("data-service") === select.value) { source = section; }
      });
      var nodes = source ? source.childNodes : (none ? none.content.childNodes : []);
      shown.replaceChildren.apply(shown, Array.prototype.map.call(nodes, function (node) {
        return node.cloneNode(true);
      }));
    });
  }

  // After a failed submission, move to the list of problems so it is read out first.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
})();
