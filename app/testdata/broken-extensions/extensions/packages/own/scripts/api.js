exports.hello = function () { return "hi"; };
