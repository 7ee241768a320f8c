// Prelude: coordinates in a (depth, height, width) volume, for the
// convolution and pooling kernels (`// @import common/volume.wgsl`), whose
// 2-D cases run as depth 1.
//
// Needs nothing from the importing kernel.

// (depth, height, width) coordinates of a flat index into a `size` volume.
fn spatial(flat: u32, size: vec3<u32>) -> vec3<u32> {
  return vec3<u32>(flat / (size.y * size.z), (flat / size.z) % size.y, flat % size.z);
}

fn volume(size: vec3<u32>) -> u32 {
  return size.x * size.y * size.z;
}
