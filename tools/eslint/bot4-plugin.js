// Project lint rules that no published rule covers (docs/design-decisions.md, "Linter and formatter").

/** True when the block holds a comment anywhere inside its braces. */
function hasComment(sourceCode, block) {
  return sourceCode.getCommentsInside(block).length > 0;
}

/** True when a comment follows the call on the line where the call ends: `p.catch(() => undefined); // why`. */
function hasTrailingComment(sourceCode, call) {
  const endLine = call.loc.end.line;
  return sourceCode.getAllComments().some((comment) => comment.loc.start.line === endLine && comment.range[0] >= call.range[1]);
}

/** True when the catch clause's error binding is read somewhere in its body. */
function errorIsUsed(sourceCode, catchClause) {
  if (!catchClause.param) return false;
  const variables = sourceCode.getDeclaredVariables(catchClause);
  return variables.some((variable) => variable.references.length > 0);
}

/**
 * A catch that drops its error (no binding, or a binding it never reads) must say why in a comment
 * inside the block: the reader sees a deliberate choice, not a swallowed failure. The same holds for
 * a promise's .catch(() => ...) handler that takes no error (its comment may also trail the call).
 */
const noSilentCatch = {
  meta: {
    type: 'problem',
    docs: { description: 'a catch that ignores its error must say why in a comment inside it' },
    messages: {
      silentCatch: 'this catch drops the error: handle or log it, or say in a comment inside the block why dropping it is right',
      silentPromiseCatch: 'this .catch() handler drops the error: handle or log it, or say in a comment inside it why dropping it is right',
    },
    schema: [],
  },
  create(context) {
    const sourceCode = context.sourceCode;
    return {
      CatchClause(node) {
        if (errorIsUsed(sourceCode, node)) return;
        if (hasComment(sourceCode, node.body)) return;
        context.report({ node, messageId: 'silentCatch' });
      },
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.computed || callee.property.name !== 'catch') return;
        const handler = node.arguments[0];
        if (!handler || (handler.type !== 'ArrowFunctionExpression' && handler.type !== 'FunctionExpression')) return;
        const [errorParam] = handler.params;
        if (errorParam) {
          const used = sourceCode.getDeclaredVariables(handler).some((v) => v.defs.some((d) => d.name === errorParam) && v.references.length > 0);
          if (used) return;
        }
        if (sourceCode.getCommentsInside(handler).length > 0 || hasTrailingComment(sourceCode, node)) return;
        context.report({ node: handler, messageId: 'silentPromiseCatch' });
      },
    };
  },
};

export const bot4Plugin = { meta: { name: 'bot4' }, rules: { 'no-silent-catch': noSilentCatch } };
