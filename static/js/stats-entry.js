// Statistics entry pages: filter selects marked data-autosubmit reload the page when changed (no inline handlers:
// the CSP forbids them).
(function () {
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.dataset && el.dataset.autosubmit && el.form) el.form.submit();
  });
})();
