import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import * as Taro from '@tarojs/taro';
import ProfilePage from '../src/pages/profile/index';
import { apiError, mockApi, profile, setup, taro } from './helpers';

const { reLaunch } = Taro as unknown as { reLaunch: jest.Mock };

describe('profile page', () => {
  beforeEach(() => setup());

  it('shows the contact with the masked phone and the session', async () => {
    mockApi({ 'GET /profile': () => profile });
    render(<ProfilePage />);
    expect(await screen.findByText('王伟')).toBeTruthy();
    expect(screen.getByText('手机：138****5678')).toBeTruthy();
    expect(screen.getByText('公司：远航科技有限公司')).toBeTruthy();
    expect(screen.getByText('微信未绑定')).toBeTruthy();
  });

  it('validates and saves an edit', async () => {
    const calls = mockApi({
      'GET /profile': () => profile,
      'PATCH /profile': (c) => ({ ...profile, contact: { ...profile.contact, ...(c.body as object) } }),
    });
    render(<ProfilePage />);
    fireEvent.click(await screen.findByRole('button', { name: '编辑' }));
    const email = document.querySelector('input.email-input')!;
    fireEvent.change(email, { target: { value: 'not-an-email' } });
    fireEvent.click(screen.getByRole('button', { name: '保存' }));
    expect(await screen.findByText('邮箱格式不正确')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);
    fireEvent.change(email, { target: { value: 'wei@example.com' } });
    fireEvent.change(document.querySelector('input.title-input')!, { target: { value: '总监' } });
    fireEvent.click(screen.getByRole('button', { name: '保存' }));
    expect(await screen.findByText('总监')).toBeTruthy();
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ name: '王伟', title: '总监', email: 'wei@example.com' });
  });

  it('shows a server refusal of the edit', async () => {
    mockApi({ 'GET /profile': () => profile, 'PATCH /profile': () => apiError(400, 'VALIDATION', '邮箱已被使用', 'email') });
    render(<ProfilePage />);
    fireEvent.click(await screen.findByRole('button', { name: '编辑' }));
    fireEvent.click(screen.getByRole('button', { name: '保存' }));
    expect(await screen.findByText('邮箱已被使用')).toBeTruthy();
  });

  it('switches to English', async () => {
    mockApi({ 'GET /profile': () => profile });
    render(<ProfilePage />);
    fireEvent.click(await screen.findByText('English'));
    expect(await screen.findByRole('button', { name: 'Sign out' })).toBeTruthy();
    expect(screen.getByText('Company：远航科技有限公司')).toBeTruthy();
  });

  it('signs out: revokes the session and forgets the token', async () => {
    const calls = mockApi({ 'GET /profile': () => profile, 'POST /auth/logout': () => ({ status: 204 }) });
    render(<ProfilePage />);
    fireEvent.click(await screen.findByRole('button', { name: '退出登录' }));
    await waitFor(() => expect(reLaunch).toHaveBeenCalledWith({ url: '/pages/sign-in/index' }));
    expect(calls.find((c) => c.method === 'POST')?.path).toBe('/auth/logout');
    expect(taro.getStorageSync('crm.session')).toBe('');
  });

  it('goes to sign-in when the session was revoked (401)', async () => {
    mockApi({ 'GET /profile': () => apiError(401, 'UNAUTHENTICATED', '登录已失效') });
    render(<ProfilePage />);
    await waitFor(() => expect(reLaunch).toHaveBeenCalledWith({ url: '/pages/sign-in/index' }));
    expect(taro.getStorageSync('crm.session')).toBe('');
  });
});
