/** True only in the local build (`vite build --mode local-stack`): the development sign-in exists. */
declare const __DEV_SIGN_IN__: boolean;
