#!/usr/bin/env bash
# Installs Debian's chromium (headless WebGPU on SwiftShader), Mesa's Vulkan
# drivers (lavapipe, for the Python wgpu kernel tier) and espeak-ng (the speech
# synthesizer whose spoken words the audio demo's test records) when they are absent.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s mesa-vulkan-drivers >/dev/null 2>&1 || missing+=(mesa-vulkan-drivers)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
