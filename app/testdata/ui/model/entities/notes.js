// announce sends a sys.ui message (a showMessage) to the target it is
// given: the caller (none), users (to: emails or ids, comma-separated) or
// allUsers. Its callback cannot travel and is left out.
function announce(action) {
  var m = {scope: 'global', name: 'showMessage', title: 'News', message: action.field('text').val(),
           target: action.field('target').val() || undefined, callbacks: {ok: function () {}}};
  if (action.field('to').val()) { m.targetUsers = action.field('to').val().split(','); }
  sys.ui.sendMessage(m);
}
