/** Masked task losses on the tensor engine's outputs [T, B, nOut] (actions in [-1, 1]). */
import * as tf from "@tensorflow/tfjs";

/**
 * Softmax cross-entropy on the masked steps, with logits = logitScale * output (the decoder's tanh
 * bounds outputs to [-1, 1], so a scale lets the softmax become confident).
 */
export function maskedCrossEntropy(outputs: tf.Tensor3D, targets: tf.Tensor3D, mask: tf.Tensor2D, logitScale: number): tf.Scalar {
  const logp = tf.logSoftmax(tf.mul(outputs, logitScale));
  const perStep = tf.neg(tf.sum(tf.mul(targets, logp), -1)); // [T, B]
  return tf.div(tf.sum(tf.mul(perStep, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/** Mean squared error over the masked steps (averaged over output channels). */
export function maskedMse(outputs: tf.Tensor3D, targets: tf.Tensor3D, mask: tf.Tensor2D): tf.Scalar {
  const perStep = tf.mean(tf.square(tf.sub(outputs, targets)), -1);
  return tf.div(tf.sum(tf.mul(perStep, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}
