// `import 'webcodecs-node/polyfill'` defines the classes on globalThis at run time. The globals
// are typed by the DOM lib (`lib: ["dom"]`) or @types/dom-webcodecs where a program has them;
// without either, import the classes by name from 'webcodecs-node'.
export {};
