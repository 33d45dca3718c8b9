// The privacy form says how many findings each button will change (nothing is chosen beforehand).
(function () {
  var form = document.getElementById('privacy-form');
  if (!form) return;
  function update() {
    var n = form.querySelectorAll('input[name=finding]:checked').length;
    form.querySelectorAll('.chosen-count').forEach(function (el) { el.textContent = n; });
  }
  form.addEventListener('change', update);
  update();
})();
