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
    return {li: li, bar: bar, msg: msg, name: file.name};
  }

  function finish(ui, ok, text, link, documentId) {
    ui.li.className = ok ? "accepted" : "rejected";
    ui.msg.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link; a.textContent = " Bekijken";
      ui.msg.appendChild(a);
    }
    if (documentId && window.wooProgress) {  // follow the processing steps until it is ready for review
      var steps = document.createElement("ul");
      steps.className = "steps";
      steps.setAttribute("aria-label", "Verwerking " + ui.name);
      ui.li.appendChild(steps);
      window.wooProgress.follow(form.dataset.progress.replace("ID", documentId), steps, function (body) {
        var state = document.createElement("span");
        state.className = "ready";
        state.textContent = " Verwerkt: " + body.badge.label + ".";
        ui.msg.appendChild(state);
      });
    }
    active--; next();
  }

  function addUnit(data) {  // the unit (afdeling) field is there only when the organisation has units
    var unit = document.getElementById("unit_id");
    if (unit) { data.append("unit_id", unit.value); }
  }

  function send(item) {
    active++;
    var ui = item.ui, file = item.file;
    var data = new FormData();
    data.append("file", file, file.name);
    data.append("organisation_id", document.getElementById("organisation_id").value);
    addUnit(data);
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
        finish(ui, true, "Opgenomen.", "/documenten/" + body.document_id, body.document_id);
      } else if (body.status === "duplicate") {
        finish(ui, true, "Al eerder opgenomen.", "/documenten/" + body.document_id, body.document_id);
      } else {
        finish(ui, false, "Geweigerd: " + (body.reason || body.detail || ("fout " + xhr.status)), null);
      }
    };
    xhr.onerror = function () { finish(ui, false, "Geweigerd: verbinding mislukt.", null); };
    xhr.send(data);
  }

  // Large files go in chunks that survive a dropped connection (woo/services/uploads.py): the server says
  // which offset it has, the next chunk starts there; retries back off up to RETRIES times per chunk.
  var RETRIES = 8;
  function request(method, url, body, headers, onprogress, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.setRequestHeader("Accept", "application/json");
    Object.keys(headers || {}).forEach(function (h) { xhr.setRequestHeader(h, headers[h]); });
    if (onprogress) xhr.upload.onprogress = onprogress;
    xhr.onload = function () {
      var parsed = {};
      try { parsed = JSON.parse(xhr.responseText); } catch (err) { parsed = {}; }
      done(xhr.status, parsed);
    };
    xhr.onerror = function () { done(0, {}); };
    xhr.send(body);
  }

  function sendResumable(item) {
    var ui = item.ui, file = item.file, chunk = parseInt(form.dataset.chunk, 10);
    var key = "woo-upload:" + file.name + ":" + file.size + ":" + file.lastModified;
    var session = null, failures = 0;

    function outcome(body) {
      try { window.localStorage.removeItem(key); } catch (e) { /* private mode */ }
      ui.bar.value = 100;
      if (body.status === "accepted" || body.status === "duplicate") {
        finish(ui, true, body.status === "accepted" ? "Opgenomen." : "Al eerder opgenomen.",
               "/documenten/" + body.document_id, body.document_id);
      } else {
        finish(ui, false, "Geweigerd: " + (body.reason || "onbekende fout"), null);
      }
    }
    function retry(why) {
      failures++;
      if (failures > RETRIES) { finish(ui, false, "Geweigerd: " + why + " Probeer het later opnieuw; de upload gaat dan verder waar hij was.", null); return; }
      ui.msg.textContent = "Verbinding verbroken; opnieuw proberen (" + failures + ")…";
      setTimeout(resume, Math.min(500 * Math.pow(2, failures), 15000));
    }
    function put(offset) {
      ui.bar.value = Math.round(100 * offset / file.size);
      ui.msg.textContent = "Bezig met uploaden…";
      var end = Math.min(offset + chunk, file.size);
      request("PATCH", session.url, file.slice(offset, end), {"Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream"},
        function (e) { if (e.lengthComputable) ui.bar.value = Math.round(100 * (offset + e.loaded) / file.size); },
        function (status, body) {
          if (status === 200 && body.status === "partial") { failures = 0; put(body.offset); }
          else if (status === 409 && typeof body.offset === "number") { put(body.offset); }
          else if (status === 0 || status >= 500) { retry("verbinding mislukt."); }
          else { outcome(body); }
        });
    }
    function resume() {  // ask the server what it has, then go on from there
      request("GET", session.url, null, {}, null, function (status, body) {
        if (status === 200) { put(body.offset); }
        else if (status === 404) { session = null; create(); }
        else { retry("verbinding mislukt."); }
      });
    }
    function create() {
      var data = new FormData();
      data.append("organisation_id", document.getElementById("organisation_id").value);
      addUnit(data);
      data.append("filename", file.name);
      data.append("size", String(file.size));
      request("POST", form.dataset.sessions, data, {}, null, function (status, body) {
        if (status === 201) {
          session = body;
          try { window.localStorage.setItem(key, JSON.stringify(body)); } catch (e) { /* private mode */ }
          put(0);
        } else if (status === 0 || status >= 500) { retry("verbinding mislukt."); }
        else { outcome(body); }
      });
    }
    active++;
    try { session = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { session = null; }
    if (session) resume(); else create();
  }

  function next() {
    while (active < LIMIT && queue.length) {
      var item = queue.shift();
      if (item.file.size > parseInt(form.dataset.chunk, 10)) sendResumable(item); else send(item);
    }
  }

  function add(files) {
    for (var i = 0; i < files.length; i++) queue.push({file: files[i], ui: row(files[i])});
    next();
  }

  // with JavaScript, choosing files sends them at once; the submit button is for pages without it
  var submit = document.getElementById("upload-submit");
  if (submit) submit.hidden = true;
  form.addEventListener("submit", function (e) { e.preventDefault(); add(input.files); input.value = ""; });
  input.addEventListener("change", function () { add(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) { add(e.dataTransfer.files); });
  // files chosen before this script ran (a slow connection) fired their change event unheard: send them now
  if (input.files && input.files.length) { add(input.files); input.value = ""; }
})();
