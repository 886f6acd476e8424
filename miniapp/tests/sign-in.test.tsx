import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import * as Taro from '@tarojs/taro';
import SignIn from '../src/pages/sign-in/index';
import { apiError, mockApi, session, setup, taro } from './helpers';

const login = (Taro as unknown as { login: jest.Mock }).login;
const reLaunch = (Taro as unknown as { reLaunch: jest.Mock }).reLaunch;

describe('sign-in page', () => {
  beforeEach(() => setup({ signedIn: false }));

  it('asks for the code when it is empty and sends nothing', async () => {
    const calls = mockApi({});
    render(<SignIn />);
    fireEvent.click(screen.getByRole('button', { name: '登录' }));
    expect(await screen.findByText('请输入邀请码')).toBeTruthy();
    expect(calls).toHaveLength(0);
  });

  it('redeems a normalised invite code, stores the session and goes home', async () => {
    const calls = mockApi({ 'POST /auth/invite': () => session });
    render(<SignIn />);
    fireEvent.change(screen.getByPlaceholderText('例如 K7P4-M2QX'), { target: { value: ' k7p4-m2qx ' } });
    fireEvent.click(screen.getByRole('button', { name: '登录' }));
    await waitFor(() => expect(reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' }));
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/auth/invite', body: { code: 'K7P4M2QX', client: 'h5' } });
    expect(calls[0].header.Authorization).toBeUndefined();
    expect(taro.getStorageSync('crm.session')).toMatchObject({ token: session.token });
  });

  it.each([
    [404, 'NOT_FOUND', '邀请码无效，请核对后重试'],
    [422, 'EXPIRED', '邀请码已过期，请联系客户经理重新邀请'],
    [409, 'ALREADY_DONE', '邀请码已被使用'],
    [429, 'RATE_LIMITED', '操作过于频繁，请稍后再试'],
  ])('explains a %s answer', async (status, code, text) => {
    mockApi({ 'POST /auth/invite': () => apiError(status, code, 'x', 'code') });
    render(<SignIn />);
    fireEvent.change(screen.getByPlaceholderText('例如 K7P4-M2QX'), { target: { value: 'ABCD1234' } });
    fireEvent.click(screen.getByRole('button', { name: '登录' }));
    expect(await screen.findByText(text)).toBeTruthy();
    expect(reLaunch).not.toHaveBeenCalled();
    expect(taro.getStorageSync('crm.session')).toBe('');
  });

  it('redeems the code of an invite link at once', async () => {
    setup({ signedIn: false, params: { invite: 'ZXCV5678' } });
    const calls = mockApi({ 'POST /auth/invite': () => session });
    render(<SignIn />);
    await waitFor(() => expect(reLaunch).toHaveBeenCalled());
    expect(calls[0].body).toMatchObject({ code: 'ZXCV5678' });
  });

  it('signs a bound WeChat user in silently', async () => {
    process.env.TARO_ENV = 'weapp';
    login.mockResolvedValue({ code: 'wx-code-1' });
    const calls = mockApi({ 'POST /auth/wechat': () => session });
    render(<SignIn />);
    await waitFor(() => expect(reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' }));
    expect(calls[0]).toMatchObject({ path: '/auth/wechat', body: { code: 'wx-code-1' } });
  });

  it('shows the invite form to an unbound WeChat user and binds on redeem', async () => {
    process.env.TARO_ENV = 'weapp';
    login.mockResolvedValueOnce({ code: 'wx-code-1' }).mockResolvedValueOnce({ code: 'wx-code-2' });
    const calls = mockApi({
      'POST /auth/wechat': () => ({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: '未绑定', data: { reason: 'not_bound' } } } }),
      'POST /auth/invite': () => session,
    });
    render(<SignIn />);
    const input = await screen.findByPlaceholderText('例如 K7P4-M2QX');
    expect(screen.queryByText('未绑定')).toBeNull();
    fireEvent.change(input, { target: { value: 'K7P4M2QX' } });
    fireEvent.click(screen.getByRole('button', { name: '登录' }));
    await waitFor(() => expect(reLaunch).toHaveBeenCalled());
    expect(calls[1].body).toEqual({ code: 'K7P4M2QX', client: 'weapp', wechatCode: 'wx-code-2' });
  });
});
