/** A small stand-in for @tarojs/taro in jsdom: APIs are jest.fn()s, storage is a Map, router params are settable. */
/* eslint-disable @typescript-eslint/no-explicit-any */
const storage = new Map<string, unknown>();
let routerParams: Record<string, string> = {};

export const request = jest.fn();
export const uploadFile = jest.fn();
export const chooseImage = jest.fn();
export const login = jest.fn();
export const navigateTo = jest.fn(() => Promise.resolve());
export const redirectTo = jest.fn(() => Promise.resolve());
export const reLaunch = jest.fn(() => Promise.resolve());
export const navigateBack = jest.fn(() => Promise.resolve());
export const showToast = jest.fn(() => Promise.resolve());
export const makePhoneCall = jest.fn(() => Promise.resolve());
export const previewImage = jest.fn(() => Promise.resolve());

export function getStorageSync(key: string): any {
  return storage.has(key) ? storage.get(key) : '';
}
export function setStorageSync(key: string, value: unknown): void {
  storage.set(key, JSON.parse(JSON.stringify(value)));
}
export function removeStorageSync(key: string): void {
  storage.delete(key);
}

export function useRouter() {
  return { params: routerParams, path: '' };
}
/** Pages load on mount; "shown again" never happens in a component test. */
export function useDidShow(_cb: () => void): void {}
export function useLoad(_cb: () => void): void {}

/** Test controls. */
export function __setRouterParams(params: Record<string, string>): void {
  routerParams = params;
}
export function __reset(): void {
  storage.clear();
  routerParams = {};
  for (const fn of [request, uploadFile, chooseImage, login, navigateTo, redirectTo, reLaunch, navigateBack, showToast, makePhoneCall, previewImage]) {
    fn.mockReset();
  }
  for (const fn of [navigateTo, redirectTo, reLaunch, navigateBack, showToast, makePhoneCall, previewImage]) {
    (fn as jest.Mock).mockImplementation(() => Promise.resolve());
  }
}

const Taro = {
  request,
  uploadFile,
  chooseImage,
  login,
  navigateTo,
  redirectTo,
  reLaunch,
  navigateBack,
  showToast,
  makePhoneCall,
  previewImage,
  getStorageSync,
  setStorageSync,
  removeStorageSync,
  useRouter,
  useDidShow,
  useLoad,
};
export default Taro;
