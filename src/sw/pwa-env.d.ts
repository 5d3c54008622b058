// Types of vite-plugin-pwa's virtual modules (used by src/ui/OfflineStatus.svelte).
/// <reference types="vite-plugin-pwa/svelte" />
