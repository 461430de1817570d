// The phone layout's menu: on a narrow screen the navigation folds behind a "Menu" button. Without this script the
// button stays hidden and the navigation simply wraps, so nothing depends on it.
(() => {
  const header = document.querySelector('header');
  const toggle = header && header.querySelector('.menu-toggle');
  if (!toggle) {
    return;
  }
  header.classList.add('has-menu');
  toggle.hidden = false;
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    header.toggleAttribute('data-open', open);
  });
})();
