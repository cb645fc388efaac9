<?php
/**
 * Plugin Name:       Backorder Connector ETA
 * Description:       Shows the backorder connector's ETA label ("Ships by December 6, 2026", "No longer taking backorders") where the shopper decides: the product page's availability text, the cart, and each order line (so the order emails and My Account show it too); and its hold of waiting lines where the shop's staff and fulfilment plugins look: on each held line in wp-admin and in REST answers, and on the order page.
 * Version:           1.1.0
 * Requires at least: 6.0
 * Requires PHP:      7.4
 * WC requires at least: 7.0
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 *
 * The connector writes the label in product and variation meta under _bc_eta_label (and the
 * date under _bc_eta_date, YYYY-MM-DD). This plugin only reads them: it writes nothing to
 * products, and a product without a label shows what WooCommerce shows anyway.
 *
 * Holds: the connector keeps the lines it holds back in order meta _bc_hold
 * ({handle: {"lines": {item_id: qty}, "reason": ...}}) and says the hold in words in the visible
 * order meta "Backorder hold". Fulfilment plugins list an order's items with their formatted
 * meta; this plugin adds "Backorder hold: N waiting for stock, do not ship" to each held item
 * there, in wp-admin and in REST answers (not on the customer's pages and emails), and shows the
 * order's hold above its items on the order page.
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

const BC_HOLD_KEY        = '_bc_hold';
const BC_HOLD_STATUS_KEY = 'Backorder hold';

/**
 * Units of each line id the connector holds back on $order, from _bc_hold; empty when none.
 *
 * @param mixed $order A WC_Order.
 * @return array<string,int>
 */
function bc_held_units( $order ) {
	if ( ! is_object( $order ) || ! method_exists( $order, 'get_meta' ) ) {
		return array();
	}
	$raw   = $order->get_meta( BC_HOLD_KEY, true );
	$holds = is_string( $raw ) ? json_decode( $raw, true ) : $raw;
	$units = array();
	foreach ( is_array( $holds ) ? $holds : array() as $hold ) {
		$lines = is_array( $hold ) && isset( $hold['lines'] ) && is_array( $hold['lines'] ) ? $hold['lines'] : array();
		foreach ( $lines as $line_id => $qty ) {
			$units[ (string) $line_id ] = max( isset( $units[ (string) $line_id ] ) ? $units[ (string) $line_id ] : 0, (int) $qty );
		}
	}
	return $units;
}

/**
 * Whether held lines are shown here: staff and fulfilment tools (wp-admin, the REST API), not
 * the customer's pages and emails, which carry the ETA label instead.
 */
function bc_hold_shown_here() {
	$staff = ( function_exists( 'is_admin' ) && is_admin() ) || ( defined( 'REST_REQUEST' ) && REST_REQUEST );
	return (bool) apply_filters( 'bc_hold_show_on_lines', $staff );
}

/**
 * Each held line's formatted meta gets "Backorder hold: N waiting for stock, do not ship":
 * what order screens, packing slips and fulfilment plugins print under an item.
 */
function bc_hold_line_meta( $formatted, $item ) {
	if ( ! bc_hold_shown_here() || ! is_object( $item ) || ! method_exists( $item, 'get_order' ) ) {
		return $formatted;
	}
	$units = bc_held_units( $item->get_order() );
	$id    = (string) $item->get_id();
	if ( empty( $units[ $id ] ) ) {
		return $formatted;
	}
	/* translators: %d: units of the line that wait for stock. */
	$text                       = sprintf( __( '%d waiting for stock, do not ship', 'backorder-connector-eta' ), $units[ $id ] );
	$formatted['bc_hold_' . $id] = (object) array(
		'key'           => BC_HOLD_STATUS_KEY,
		'value'         => $text,
		'display_key'   => __( 'Backorder hold', 'backorder-connector-eta' ),
		'display_value' => $text,
	);
	return $formatted;
}
add_filter( 'woocommerce_order_item_get_formatted_meta_data', 'bc_hold_line_meta', 20, 2 );

/**
 * The order page in wp-admin: the hold in words ("Held back until stock arrives: 2 × Oak Sofa.
 * The rest of the order can ship.") under the order's details, not only under Custom Fields.
 */
function bc_hold_order_details( $order ) {
	$says = is_object( $order ) && method_exists( $order, 'get_meta' ) ? $order->get_meta( BC_HOLD_STATUS_KEY, true ) : '';
	if ( is_string( $says ) && '' !== trim( $says ) ) {
		echo '<p class="form-field form-field-wide bc-backorder-hold"><strong>' . esc_html__( 'Backorder hold', 'backorder-connector-eta' ) . ':</strong> ' . esc_html( wp_strip_all_tags( $says ) ) . '</p>';
	}
}
add_action( 'woocommerce_admin_order_data_after_order_details', 'bc_hold_order_details', 20, 1 );
