// A library: what it puts on exports is app.commons.stringUtils.
var calls = 0;

exports.trim = function (s) {
    calls++;
    return s === null || s === undefined ? s : String(s).replace(/^\s+|\s+$/g, '');
};

exports.upper = function (s) {
    calls++;
    return String(s).toUpperCase();
};

// Reaches itself through app.* at call time.
exports.shout = function (s) {
    return app.commons.stringUtils.upper(s) + '!';
};

exports.calls = function () {
    return calls;
};

function hidden() {
    return 'not exported';
}
