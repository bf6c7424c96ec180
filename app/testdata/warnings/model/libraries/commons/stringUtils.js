exports.trim = function trim(s) { return s.trim(); };
