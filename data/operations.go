package data

import "context"

// Kinds of Operation.
const (
	OpCreate   = "create"
	OpUpdate   = "update"
	OpDelete   = "delete"
	OpImport   = "import"
	OpAction   = "action"
	OpListener = "listener"
)

// Operation is one operation in progress on a call stack: what
// sys.context.root() and any() check. The data service pushes one for each
// record write and action it runs (the context of the operation carries
// them), the script engine one for each listener it runs.
type Operation struct {
	Kind     string // OpCreate … OpListener
	Entity   string // the entity's full name (not for listeners)
	Action   string // OpAction: the action's name
	RecordID string // the record written or acted on, when there is one
	Email    string // OpCreate of sys.users: the new user's email
	FileName string // OpImport: the imported file
	Listener string // OpListener: the listener's name
	parent   *Operation
}

type operationKey struct{}

// WithOperation returns ctx with op on top of its operations.
func WithOperation(ctx context.Context, op Operation) context.Context {
	if top, ok := ctx.Value(operationKey{}).(*Operation); ok {
		op.parent = top
	}
	return context.WithValue(ctx, operationKey{}, &op)
}

// Operations returns the operations of ctx, the root first.
func Operations(ctx context.Context) []Operation {
	var out []Operation
	for op, _ := ctx.Value(operationKey{}).(*Operation); op != nil; op = op.parent {
		out = append(out, *op)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
