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
      : [{ title: "Query", query: "SELECT * WHERE {\n  ?s ?p ?o .\n}\nLIMIT 25\n" }];
    queries.forEach(function (q, i) {
      yasgui.addTab(i === 0, {
        name: q.title,
        requestConfig: { endpoint: endpoint },
        yasqe: { value: q.query },
      });
    });
  }
  window.diplokgYasgui = yasgui;
})();
