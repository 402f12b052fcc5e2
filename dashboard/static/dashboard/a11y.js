/* A panel whose table is wider than a phone scrolls sideways inside itself; while it does, it takes
   keyboard focus (and is named by its heading, as a region), so it can be scrolled without a mouse. */
'use strict';
{
    function markScrollers() {
        document.querySelectorAll('.panel').forEach(function(panel) {
            if (panel.scrollWidth > panel.clientWidth + 1) {
                panel.setAttribute('tabindex', '0');
                if (!panel.hasAttribute('aria-labelledby') && !panel.hasAttribute('aria-label')) {
                    const heading = panel.querySelector('h2');
                    panel.setAttribute('aria-label', heading ? heading.textContent.trim() : 'Table');
                }
                if (panel.tagName !== 'SECTION') { panel.setAttribute('role', 'region'); }
            } else {
                panel.removeAttribute('tabindex');
            }
        });
    }
    document.addEventListener('DOMContentLoaded', markScrollers);
    window.addEventListener('resize', markScrollers);
}
