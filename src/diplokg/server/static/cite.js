// "Permalink / cite this": on the editor, records the current tab's query as a permalink
// (POST /api/permalinks, on the tab's data version) and shows its "cite this" box in a
// dialog; on every page, the copy buttons of a cite box.
(function () {
  "use strict";

  function copy(button) {
    var value = button.getAttribute("data-copy");
    var label = button.textContent;
    function done() {
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = label; }, 1500);
    }
    function fallback() {
      var area = document.createElement("textarea");
      area.value = value;
      document.body.appendChild(area);
      area.select();
      try { if (document.execCommand("copy")) done(); } catch (e) { /* nothing to copy to */ }
      document.body.removeChild(area);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).then(done, fallback);
    } else {
      fallback();
    }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.copy");
    if (button) copy(button);
  });

  var root = document.getElementById("yasgui");
  if (!root || !window.diplokgYasgui) return;
  var bar = document.createElement("div");
  bar.className = "cite-bar";
  var button = document.createElement("button");
  button.type = "button";
  button.id = "cite-button";
  button.textContent = "Permalink / cite this";
  var status = document.createElement("span");
  status.className = "cite-status";
  status.setAttribute("role", "status");
  bar.appendChild(button);
  bar.appendChild(status);
  root.parentNode.insertBefore(bar, root);

  var dialog = document.createElement("dialog");
  dialog.id = "cite-dialog";
  dialog.setAttribute("aria-label", "Cite this query");
  var closer = document.createElement("button");
  closer.type = "button";
  closer.className = "close";
  closer.textContent = "Close";
  closer.addEventListener("click", function () { dialog.close(); });
  var body = document.createElement("div");
  dialog.appendChild(closer);
  dialog.appendChild(body);
  document.body.appendChild(dialog);

  function versionOf(endpoint) {
    var m = /\/v\/([0-9a-f]{12})\/sparql$/.exec(endpoint || "");
    return m ? m[1] : null;
  }

  function json(response) {
    return response.json().then(function (data) {
      if (!response.ok) throw new Error(data.detail || response.statusText);
      return data;
    });
  }

  button.addEventListener("click", function () {
    var tab = window.diplokgYasgui.getTab();
    var payload = { query: tab.getYasqe().getValue() };
    var version = versionOf(tab.getEndpoint());
    if (version) payload.version = version;
    status.textContent = "Recording…";
    fetch("/api/permalinks", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload),
    })
      .then(json)
      .then(function (data) { return fetch("/p/" + data.id + "/cite"); })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        body.innerHTML = html; // rendered and escaped by the server (templates/cite_box.html)
        status.textContent = "";
        dialog.showModal();
      })
      .catch(function (error) { status.textContent = "No permalink: " + error.message; });
  });
})();
