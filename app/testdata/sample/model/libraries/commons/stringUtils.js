// The sample's string library: app.commons.stringUtils.

exports.trim = function (s) {
    return s === null || s === undefined ? '' : String(s).replace(/^\s+|\s+$/g, '');
};

exports.capitalize = function (s) {
    s = app.commons.stringUtils.trim(s);
    return s.length === 0 ? s : s.charAt(0).toUpperCase() + s.slice(1);
};
