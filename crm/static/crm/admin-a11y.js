/* Accessibility fixes for admin screens, loaded in <head> by templates/admin/base_site.html
   (before jQuery and select2):
   - multiple select2 pickers (tags) start without select2's "clear all" cross, which select2 puts
     straight inside its <ul> of chosen items (a list may hold only list items; each chip keeps its cross);
   - each picker's search box is named after its field ("Tags: type to search"), also after select2
     rebuilds it;
   - a box that scrolls sideways (a wide table on a phone) takes keyboard focus and has a name, so it can
     be scrolled without a mouse. */
'use strict';
{
    function fieldLabel(select) {
        const label = select.id && document.querySelector('label[for="' + select.id + '"]');
        return label ? label.textContent.replace(/:\s*$/, '').trim() : (select.getAttribute('aria-label') || select.name);
    }

    function nameSearchBoxes() {
        document.querySelectorAll('select.admin-autocomplete').forEach(function(select) {
            const container = select.parentElement && select.parentElement.querySelector('.select2-container');
            if (!container) { return; }
            const name = fieldLabel(select);
            container.querySelectorAll('.select2-search__field:not([aria-label])').forEach(function(box) {
                box.setAttribute('aria-label', name + ': type to search');
            });
        });
    }

    const SCROLLERS = [
        ['.inline-group .tabular', function(el) { const h = el.querySelector('h2'); return h ? h.textContent.trim() : 'Table'; }],
        ['#changelist .results', function() { return 'Results'; }],
        ['.form-row .readonly', function(el) {
            const label = el.parentElement && el.parentElement.querySelector('label');
            return label ? label.textContent.replace(/:\s*$/, '').trim() : 'Details';
        }],
    ];

    function markScrollers() {
        SCROLLERS.forEach(function([selector, nameOf]) {
            document.querySelectorAll(selector).forEach(function(el) {
                if (el.scrollWidth > el.clientWidth + 1) {
                    el.setAttribute('tabindex', '0');
                    el.setAttribute('role', 'region');
                    el.setAttribute('aria-label', nameOf(el) + ' (scrolls sideways)');
                } else if (el.getAttribute('role') === 'region') {
                    el.removeAttribute('tabindex');
                    el.removeAttribute('role');
                    el.removeAttribute('aria-label');
                }
            });
        });
    }

    let queued = false;
    function refresh() {
        if (queued) { return; }
        queued = true;
        requestAnimationFrame(function() { queued = false; nameSearchBoxes(); markScrollers(); });
    }

    document.addEventListener('DOMContentLoaded', function() {
        document.querySelectorAll('select.admin-autocomplete[multiple]').forEach(function(select) {
            select.dataset.allowClear = 'false';
        });
        refresh();
        // select2 builds its boxes after this (jQuery's ready runs later) and rebuilds them on every change.
        new MutationObserver(refresh).observe(document.body, {childList: true, subtree: true});
    });
    window.addEventListener('load', refresh);
    window.addEventListener('resize', refresh);
}
