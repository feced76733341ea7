import { useContext } from 'react';
import { UiContext, type UiServices } from './ui-context.js';

export function useUi(): UiServices {
  const services = useContext(UiContext);
  if (!services) throw new Error('gaffer UI components need <App> (or the test helper) around them');
  return services;
}
