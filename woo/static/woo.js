// Shared by every page (base layouts). A table wider than the screen scrolls inside itself (woo.css, reflow
// at 320 px); such a scroll region must be reachable by keyboard (WCAG 2.1.1), so it gets a tab stop (a table keeps its role).
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll("table").forEach(function (t) {
      var scrolls = t.scrollWidth > t.clientWidth + 1;
      if (scrolls && !t.hasAttribute("tabindex")) {
        t.setAttribute("tabindex", "0");
        var caption = t.querySelector("caption");
        t.setAttribute("aria-label", (caption ? caption.textContent.trim() + ": " : "") + "tabel, schuift horizontaal");
        t.dataset.wooScroll = "1";
      } else if (!scrolls && t.dataset.wooScroll) {
        t.removeAttribute("tabindex"); t.removeAttribute("aria-label");
        delete t.dataset.wooScroll;
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark); else mark();
  window.addEventListener("resize", mark);
})();
