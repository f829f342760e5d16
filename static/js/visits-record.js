// The record-a-visit page: Enter in the enterprise search box searches instead of submitting the visit,
// and picking a search result scrolls the rest of the form into view on a phone.
(function () {
  "use strict";
  var box = document.getElementById("visit-q");
  if (!box) return;
  box.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    if (window.htmx) {
      window.htmx.trigger(box, "search");
    }
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.name === "enterprise" && target.type === "radio") {
      var date = document.getElementById("id_visited_on");
      if (date && date.scrollIntoView) date.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  });
})();
