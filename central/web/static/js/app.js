// Small helpers shared by every page; the pages work without them.
document.addEventListener("change", function (e) {
  if (e.target.classList && e.target.classList.contains("autosubmit")) { e.target.form.submit(); }
});
document.addEventListener("click", function (e) {
  if (e.target.classList && e.target.classList.contains("print")) { e.preventDefault(); window.print(); }
});
