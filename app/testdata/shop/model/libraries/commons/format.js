// A library without a .json: its name comes from its path (commons.format).
var loads = (typeof loads === 'number' ? loads : 0) + 1;

exports.money = function (n) {
    return app.commons.stringUtils.trim(' $' + n.toFixed(2) + ' ');
};

exports.loads = function () {
    return loads;
};
