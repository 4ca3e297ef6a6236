// A permalink's page: the bundled Yasgui with the recorded query, querying the endpoint of
// its data version (/v/{version}/sparql), run at once. Nothing is stored in the browser: the
// page always opens on the query as recorded.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("permalink-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  if (Yasgui.Yasqe && Yasgui.Yasqe.defaults) {
    Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  }
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint },
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: false,
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
  });
  var tab = yasgui.addTab(true, {
    name: "Permalink " + config.id,
    requestConfig: { endpoint: endpoint },
    yasqe: { value: config.query },
  });
  window.diplokgYasgui = yasgui;
  tab.show();
  var yasqe = tab.getYasqe();
  if (yasqe) yasqe.query();
})();
