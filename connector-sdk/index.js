/**
 * @tajo/connector-sdk at run time: identity helpers only. A definition is data; Tajo's engine
 * (shared/connectors/custom) validates and runs it. CommonJS written as `exports.x = ...` so both
 * `require` and `import { ConnectorSDK }` (Node's CommonJS named exports) see the names.
 */

/** Marks a ConnectorSDK instance across copies of this module (a user's file may load another copy). */
const BRAND = Symbol.for('tajo.connector-sdk.definition');

/** The definition as given: the function only gives it its type. */
function defineConnector(definition) {
  return definition;
}

/** The docs' `new ConnectorSDK({...})`: holds the definition; the engine reads `.definition`. */
class ConnectorSDK {
  constructor(definition) {
    if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) {
      throw new TypeError(
        'new ConnectorSDK(definition): the definition must be an object ({ name, version, auth, resources })',
      );
    }
    this.definition = definition;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

exports.defineConnector = defineConnector;
exports.ConnectorSDK = ConnectorSDK;
exports.CONNECTOR_SDK_BRAND = BRAND;
