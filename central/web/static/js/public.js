// The public satisfaction page: its print button (no inline script: the CSP allows none).
(function () {
  "use strict";
  var button = document.getElementById("print");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
})();
