// The API documentation: the bundled Swagger UI reading this server's OpenAPI document.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("docs-config").textContent);
  window.diplokgDocs = SwaggerUIBundle({
    url: config.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the validator badge asks a public web service
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
