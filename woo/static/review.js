// Keyboard review: j/k move between documents, a accepts, 1-3 pick an alternative, c opens the list.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".review-item"));
  if (!items.length) return;
  items[0].focus();
  document.addEventListener("keydown", function (e) {
    if (e.target.tagName === "SELECT" || e.target.tagName === "INPUT" || e.ctrlKey || e.metaKey || e.altKey) return;
    var current = document.activeElement.closest ? document.activeElement.closest(".review-item") : null;
    if (!current) return;
    var i = items.indexOf(current);
    if (e.key === "j" && i < items.length - 1) { items[i + 1].focus(); e.preventDefault(); }
    else if (e.key === "k" && i > 0) { items[i - 1].focus(); e.preventDefault(); }
    else if (e.key === "a") { current.querySelector(".accept-form").submit(); e.preventDefault(); }
    else if (e.key === "c") { current.querySelector("select").focus(); e.preventDefault(); }
    else if (/^[1-3]$/.test(e.key)) {
      var btn = current.querySelector('button.alt[data-key="' + e.key + '"]');
      if (btn) { btn.closest("form").submit(); e.preventDefault(); }
    }
  });
})();
