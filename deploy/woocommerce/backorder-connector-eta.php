<?php
/**
 * Plugin Name:       Backorder Connector ETA
 * Description:       Shows the backorder connector's ETA label ("Ships by December 6, 2026", "No longer taking backorders") where the shopper decides: the product page's availability text, the cart, and each order line (so the order emails and My Account show it too).
 * Version:           1.0.0
 * Requires at least: 6.0
 * Requires PHP:      7.4
 * WC requires at least: 7.0
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 *
 * The connector writes the label in product and variation meta under _bc_eta_label (and the
 * date under _bc_eta_date, YYYY-MM-DD). This plugin only reads them: it writes nothing to
 * products, and a product without a label shows what WooCommerce shows anyway.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit; // Loaded by WordPress only.
}

const BC_ETA_LABEL_KEY = '_bc_eta_label';
const BC_ETA_DATE_KEY  = '_bc_eta_date';

/**
 * The connector's label for a product or variation, or '' when it has none.
 *
 * @param mixed $product A WC_Product (simple product or variation).
 */
function bc_eta_label( $product ) {
	if ( ! is_object( $product ) || ! method_exists( $product, 'get_meta' ) ) {
		return '';
	}
	$label = $product->get_meta( BC_ETA_LABEL_KEY, true );
	return is_string( $label ) ? trim( wp_strip_all_tags( $label ) ) : '';
}

/**
 * Product page (and each variation's availability, shown when the shopper picks it): our label
 * instead of WooCommerce's generic "Available on backorder" / "Out of stock".
 */
function bc_eta_availability_text( $text, $product ) {
	$label = bc_eta_label( $product );
	return '' !== $label ? $label : $text;
}
add_filter( 'woocommerce_get_availability_text', 'bc_eta_availability_text', 20, 2 );

/**
 * Cart and checkout: the label under the item's name.
 */
function bc_eta_cart_item_data( $item_data, $cart_item ) {
	$product = isset( $cart_item['data'] ) ? $cart_item['data'] : null;
	$label   = bc_eta_label( $product );
	if ( '' !== $label ) {
		$item_data[] = array(
			'key'   => __( 'Shipping', 'backorder-connector-eta' ),
			'value' => $label,
		);
	}
	return $item_data;
}
add_filter( 'woocommerce_get_item_data', 'bc_eta_cart_item_data', 20, 2 );

/**
 * The order line keeps the label the shopper saw when ordering, as visible line meta: the order
 * emails, the thank-you page and My Account show it with no template change. Later dates reach
 * the customer in the connector's own emails.
 */
function bc_eta_order_line_item( $item, $cart_item_key, $values, $order ) {
	$product = isset( $values['data'] ) ? $values['data'] : null;
	$label   = bc_eta_label( $product );
	if ( '' !== $label && is_object( $item ) && method_exists( $item, 'add_meta_data' ) ) {
		$item->add_meta_data( __( 'Shipping', 'backorder-connector-eta' ), $label, true );
	}
}
add_action( 'woocommerce_checkout_create_order_line_item', 'bc_eta_order_line_item', 20, 4 );
