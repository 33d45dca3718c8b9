// Live processing progress: polls a document's JSON status (GET /documenten/<id>/voortgang) until no step
// waits or runs, and renders the steps. Used by the upload page (per file) and the document page.
window.wooProgress = (function () {
  "use strict";
  var INTERVAL = 1500, MAX_INTERVAL = 10000;

  function render(list, body) {
    list.textContent = "";
    body.steps.forEach(function (s) {
      var li = document.createElement("li");
      li.className = "job job-" + s.status;
      var name = document.createElement("strong");
      name.textContent = s.label;
      var status = document.createElement("span");
      status.className = "job-status";
      status.textContent = s.status_label;
      li.appendChild(name); li.appendChild(document.createTextNode(": ")); li.appendChild(status);
      if (s.error) {
        var err = document.createElement("span");
        err.className = "error";
        err.textContent = " Reden: " + s.error;
        li.appendChild(err);
      }
      list.appendChild(li);
    });
  }

  // follow(url, list, done): polls url, renders into the <ul> list, calls done(body) once nothing is busy
  function follow(url, list, done) {
    var wait = INTERVAL;
    function poll() {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        if (xhr.status !== 200 || !body) { wait = Math.min(wait * 2, MAX_INTERVAL); setTimeout(poll, wait); return; }
        render(list, body);
        if (body.busy) { setTimeout(poll, wait); } else if (done) { done(body); }
      };
      xhr.onerror = function () { wait = Math.min(wait * 2, MAX_INTERVAL); setTimeout(poll, wait); };
      xhr.send();
    }
    poll();
  }

  // the document page: a list with data-progress keeps itself current; the page reloads once when done,
  // so the privacy findings and the buttons that depend on the finished steps appear
  var live = document.querySelector("ul.jobs[data-progress]");
  if (live && live.dataset.busy === "1") {
    var note = document.getElementById("progress-note");
    follow(live.dataset.progress, live, function () {
      if (note) note.textContent = "Verwerking klaar; de pagina wordt bijgewerkt.";
      setTimeout(function () { window.location.reload(); }, 800);
    });
  }
  return {follow: follow};
})();
