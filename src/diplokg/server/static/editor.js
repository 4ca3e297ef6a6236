// The SPARQL editor: the bundled Yasgui, one tab per canned query, querying this server's /sparql.
(function () {
  "use strict";
  var canned = JSON.parse(document.getElementById("canned-queries").textContent);
  var endpoint = new URL(canned.endpoint, window.location.href).href;
  // Class and property completion asks a public web service; keep the editor off the network.
  if (Yasgui.Yasqe && Yasgui.Yasqe.defaults) {
    Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  }
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint },
    copyEndpointOnNewTab: true,
    autoAddOnInit: false,
    // A new tab (the "+" button) starts with our prefixes declared.
    yasqe: { value: canned.newTab },
    // A new catalogue gets a fresh workspace; otherwise the user's own tabs are kept.
    persistenceId: "diplokg-" + canned.version,
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
      keys: [],
    },
  });
  if (yasgui.persistentConfig.getTabs().length === 0) {
    var queries = canned.queries.length
      ? canned.queries
      : [{ title: "Query", query: canned.newTab }];
    queries.forEach(function (q, i) {
      yasgui.addTab(i === 0, {
        name: q.title,
        requestConfig: { endpoint: endpoint },
        yasqe: { value: q.query },
      });
    });
  }

  // Result links to one of our IRIs (https://w3id.org/diplokg/...) open this server's page for
  // it in the same tab, rather than the published address in a new one (which needs the
  // network, and leaves the editor).
  function localPath(iri) {
    for (var i = 0; i < canned.local.length; i++) {
      var rule = canned.local[i];
      if (rule.exact ? iri === rule.iri : iri.indexOf(rule.iri) === 0 && iri.length > rule.iri.length) {
        return rule.exact ? rule.path : rule.path + iri.slice(rule.iri.length);
      }
    }
    return null;
  }
  function localise(root) {
    var links = root.querySelectorAll ? root.querySelectorAll(".yasr a[href]") : [];
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      var path = localPath(link.getAttribute("href"));
      if (path !== null) {
        link.setAttribute("title", link.getAttribute("href"));
        link.setAttribute("href", path);
        link.removeAttribute("target");
        link.removeAttribute("rel");
      }
    }
  }
  var container = document.getElementById("yasgui");
  new MutationObserver(function () { localise(container); }).observe(container, {
    childList: true,
    subtree: true,
  });
  localise(container);

  window.diplokgYasgui = yasgui;
})();
