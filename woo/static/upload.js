// Drag & drop upload: one request per file, in parallel (3 at a time), each with its own progress bar.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("files");
  var results = document.getElementById("results");
  var queue = [], active = 0, LIMIT = 3;

  function row(file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", "Voortgang " + file.name);
    var msg = document.createElement("span");
    msg.className = "msg";
    msg.textContent = "Wacht…";
    li.appendChild(name); li.appendChild(bar); li.appendChild(msg);
    results.appendChild(li);
    return {li: li, bar: bar, msg: msg};
  }

  function finish(ui, ok, text, link) {
    ui.li.className = ok ? "accepted" : "rejected";
    ui.msg.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link; a.textContent = " Bekijken";
      ui.msg.appendChild(a);
    }
    active--; next();
  }

  function send(item) {
    active++;
    var ui = item.ui, file = item.file;
    var data = new FormData();
    data.append("file", file, file.name);
    data.append("organisation_id", document.getElementById("organisation_id").value);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.url);
    xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.setRequestHeader("Accept", "application/json");
    ui.msg.textContent = "Bezig met uploaden…";
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) ui.bar.value = Math.round(100 * e.loaded / e.total);
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
      ui.bar.value = 100;
      if (body.status === "accepted") {
        finish(ui, true, "Opgenomen.", "/documenten/" + body.document_id);
      } else if (body.status === "duplicate") {
        finish(ui, true, "Al eerder opgenomen.", "/documenten/" + body.document_id);
      } else {
        finish(ui, false, "Geweigerd: " + (body.reason || body.detail || ("fout " + xhr.status)), null);
      }
    };
    xhr.onerror = function () { finish(ui, false, "Geweigerd: verbinding mislukt.", null); };
    xhr.send(data);
  }

  function next() {
    while (active < LIMIT && queue.length) send(queue.shift());
  }

  function add(files) {
    for (var i = 0; i < files.length; i++) queue.push({file: files[i], ui: row(files[i])});
    next();
  }

  input.addEventListener("change", function () { add(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) { add(e.dataTransfer.files); });
})();
