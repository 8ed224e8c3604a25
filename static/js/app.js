// Searchable pickers: <select data-picker> becomes a Tom Select; data-picker-url loads options from JSON
// ({results: [{value, text}]}) as the user types, for long lists such as the 1,381 GB/T 4754 classes or a zone's
// firms (the URL may carry its own parameters, e.g. ?zones=1,2).
(function () {
  function initPickers(root) {
    root.querySelectorAll("select[data-picker]").forEach(function (el) {
      if (el.tomselect) return;
      // refreshThrottle 0: filter on every key, so Enter right after typing picks the match, not the option that
      // was active before the list caught up (Tom Select's default waits 300 ms).
      var options = {
        allowEmptyOption: true, maxOptions: 200, refreshThrottle: 0, plugins: el.multiple ? ["remove_button"] : []
      };
      var url = el.dataset.pickerUrl;
      if (url) {
        options.valueField = "value";
        options.labelField = "text";
        options.searchField = ["text"];
        options.load = function (query, callback) {
          var sep = url.indexOf("?") >= 0 ? "&" : "?";
          fetch(url + sep + "q=" + encodeURIComponent(query), { credentials: "same-origin" })
            .then(function (r) { return r.json(); })
            .then(function (data) { callback(data.results); })
            .catch(function () { callback(); });
        };
      }
      new TomSelect(el, options);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { initPickers(document); });
  document.body && document.body.addEventListener("htmx:afterSwap", function (e) { initPickers(e.target); });
  // Confirmations without inline handlers (the CSP forbids them).
  document.addEventListener("submit", function (e) {
    var msg = e.target.dataset && e.target.dataset.confirm;
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
})();
