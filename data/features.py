"""Hand-made image features, cs231n's: histograms of oriented gradients and of hue.

HOG (after Dalal and Triggs, CVPR 2005, in cs231n's simple form): on the gray image,
forward differences give gx, gy; each pixel votes its gradient magnitude
sqrt(gx^2 + gy^2) into one of 9 bins of 20 degrees of its unsigned orientation
arctan2(gy, gx) mod 180 (a dark-to-light edge and a light-to-dark one count alike); the
feature is, per 8x8 cell, the mean vote of each bin (cells down, cells across, bins),
flattened. It sees edges and shape, not colour. (cs231n's copy takes arctan2 + 90 and
drops the angles that land outside [0, 180), about half the gradients.)

Colour histogram: the image in HSV, and the fraction of pixels in each of nbin equal
hue bins. It sees colour, not where the colour is.

Both take one image (H, W, 3) (HOG also (H, W)) with values in 0..xmax; extract_features
stacks any list of such functions over images (N, H, W, 3), NHWC as cs231n's notebooks
keep them. For our NCHW arrays: imgs = X.transpose(0, 2, 3, 1).
"""
import numpy as np
from matplotlib.colors import rgb_to_hsv
from scipy.ndimage import uniform_filter
from tqdm import tqdm

HOG_ORIENTATIONS = 9
HOG_CELL = 8
# The ITU-R 601 luma weights (cs231n's copy has 0.144 for blue, a typo of 0.114).
GRAY_WEIGHTS = np.array([0.299, 0.587, 0.114])
# Extractions over this many images show a progress bar even without verbose.
LONG_EXTRACTION = 5000


def rgb2gray(rgb):
    """Luma of an (..., 3) image."""
    return rgb[..., :3] @ GRAY_WEIGHTS


def hog_feature(im):
    """HOG of one image (H, W) or (H, W, 3): (H // 8) * (W // 8) * 9 values."""
    im = np.asarray(im)
    if not (im.ndim == 2 or (im.ndim == 3 and im.shape[2] == 3)) or min(im.shape[:2]) < HOG_CELL:
        raise ValueError(f"hog_feature: im has shape {im.shape} but expected (H, W) or "
                         f"(H, W, 3) with H and W at least {HOG_CELL}")
    image = rgb2gray(im) if im.ndim == 3 else im.astype(np.float64)
    gx = np.zeros(image.shape)
    gy = np.zeros(image.shape)
    gx[:, :-1] = np.diff(image, axis=1)
    gy[:-1, :] = np.diff(image, axis=0)
    magnitude = np.sqrt(gx ** 2 + gy ** 2)
    orientation = np.degrees(np.arctan2(gy, gx)) % 180
    # A tiny negative angle mod 180 rounds to 180.0: it belongs with 0, in the first bin.
    bins = (orientation // (180 / HOG_ORIENTATIONS)).astype(int) % HOG_ORIENTATIONS
    # votes[i, j, b] = the magnitude of pixel (i, j) if its orientation is in bin b.
    votes = np.zeros(image.shape + (HOG_ORIENTATIONS,))
    np.put_along_axis(votes, bins[:, :, None], magnitude[:, :, None], axis=2)
    # A box filter of a cell's size, read at the cell's centre, is the cell's mean.
    means = uniform_filter(votes, size=(HOG_CELL, HOG_CELL, 1))
    centre = HOG_CELL // 2
    cells_down, cells_across = image.shape[0] // HOG_CELL, image.shape[1] // HOG_CELL
    histogram = means[centre::HOG_CELL, centre::HOG_CELL][:cells_down, :cells_across]
    return histogram.ravel()


def color_histogram_hsv(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """Histogram of hue over nbin equal bins of [xmin, xmax]; im (H, W, 3) in 0..xmax.

    normalized=True gives the fraction of pixels per bin (summing to 1), else counts.
    """
    im = np.asarray(im)
    if im.ndim != 3 or im.shape[2] != 3:
        raise ValueError(f"color_histogram_hsv: im has shape {im.shape} but expected "
                         "(H, W, 3), an RGB image")
    bins = np.linspace(xmin, xmax, nbin + 1)
    hsv = rgb_to_hsv(im / xmax) * xmax
    imhist, bin_edges = np.histogram(hsv[:, :, 0], bins=bins, density=normalized)
    return imhist * np.diff(bin_edges) if normalized else imhist


def extract_features(imgs, feature_fns, verbose=False):
    """Every feature function on every image, concatenated: (N, F1 + F2 + ...).

    imgs (N, H, W, C); each function maps one image to a 1-D feature vector. The
    progress bar shows when verbose or when there are many images.
    """
    imgs = np.asarray(imgs)
    if imgs.ndim < 3 or imgs.shape[0] == 0:
        raise ValueError(f"extract_features: imgs has shape {imgs.shape} but expected "
                         "(N, H, W, C) with N >= 1")
    first = [np.ravel(fn(imgs[0])) for fn in feature_fns]
    sizes = np.cumsum([0] + [f.size for f in first])
    features = np.empty((imgs.shape[0], sizes[-1]))
    features[0] = np.concatenate(first)
    show = verbose or imgs.shape[0] >= LONG_EXTRACTION
    for i in tqdm(range(1, imgs.shape[0]), desc="features", disable=not show):
        for fn, start, stop in zip(feature_fns, sizes[:-1], sizes[1:]):
            features[i, start:stop] = np.ravel(fn(imgs[i]))
    return features
