<?php
/**
 * Runs deploy/woocommerce/backorder-connector-eta.php under php-cli with the few WordPress and
 * WooCommerce functions it calls, each behaving as WordPress documents it (filters run in
 * priority order; meta read with get_meta( key, true )). Reads JSON on stdin: the product's meta,
 * the text WooCommerce would show; prints what the plugin makes of it as JSON.
 */

define( 'ABSPATH', __DIR__ . '/' );

$GLOBALS['bc_hooks'] = array();

function add_filter( $hook, $callback, $priority = 10, $accepted_args = 1 ) {
	$GLOBALS['bc_hooks'][ $hook ][ $priority ][] = array( $callback, $accepted_args );
	return true;
}

function add_action( $hook, $callback, $priority = 10, $accepted_args = 1 ) {
	return add_filter( $hook, $callback, $priority, $accepted_args );
}

function apply_filters( $hook, $value, ...$args ) {
	$by_priority = isset( $GLOBALS['bc_hooks'][ $hook ] ) ? $GLOBALS['bc_hooks'][ $hook ] : array();
	ksort( $by_priority );
	foreach ( $by_priority as $callbacks ) {
		foreach ( $callbacks as $entry ) {
			$value = call_user_func_array( $entry[0], array_slice( array_merge( array( $value ), $args ), 0, $entry[1] ) );
		}
	}
	return $value;
}

function do_action( $hook, ...$args ) {
	$by_priority = isset( $GLOBALS['bc_hooks'][ $hook ] ) ? $GLOBALS['bc_hooks'][ $hook ] : array();
	ksort( $by_priority );
	foreach ( $by_priority as $callbacks ) {
		foreach ( $callbacks as $entry ) {
			call_user_func_array( $entry[0], array_slice( $args, 0, $entry[1] ) );
		}
	}
}

function __( $text, $domain = 'default' ) {
	return $text;
}

function wp_strip_all_tags( $text ) {
	return trim( strip_tags( preg_replace( '@<(script|style)[^>]*?>.*?</\\1>@si', '', $text ) ) );
}

function esc_html( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
}

function esc_html__( $text, $domain = 'default' ) {
	return esc_html( $text );
}

function is_admin() {
	return ! empty( $GLOBALS['bc_is_admin'] );
}

class WC_Order {
	private $meta;
	public function __construct( $meta ) {
		$this->meta = $meta;
	}
	public function get_meta( $key, $single = true ) {
		return isset( $this->meta[ $key ] ) ? $this->meta[ $key ] : '';
	}
}

class WC_Order_Item_Line {
	private $id;
	private $order;
	public function __construct( $id, $order ) {
		$this->id    = $id;
		$this->order = $order;
	}
	public function get_id() {
		return $this->id;
	}
	public function get_order() {
		return $this->order;
	}
}

class WC_Product {
	private $meta;
	public function __construct( $meta ) {
		$this->meta = $meta;
	}
	public function get_meta( $key, $single = true ) {
		return isset( $this->meta[ $key ] ) ? $this->meta[ $key ] : '';
	}
}

class WC_Order_Item_Product {
	public $meta = array();
	public function add_meta_data( $key, $value, $unique = false ) {
		$this->meta[] = array( 'key' => $key, 'value' => $value );
	}
}

require $argv[1];

$input   = json_decode( stream_get_contents( STDIN ), true );
$product = new WC_Product( $input['meta'] );
$item    = new WC_Order_Item_Product();
do_action( 'woocommerce_checkout_create_order_line_item', $item, 'cart-key', array( 'data' => $product ), null );
$out = array(
	'availability' => apply_filters( 'woocommerce_get_availability_text', $input['woocommerce_text'], $product ),
	'cart'         => apply_filters( 'woocommerce_get_item_data', array(), array( 'data' => $product ) ),
	'order_line'   => $item->meta,
);
if ( isset( $input['order'] ) ) {
	// An order as wp-admin (or the customer's side) shows it: each line's formatted meta, as
	// order screens and fulfilment plugins print it, and the order details box.
	$GLOBALS['bc_is_admin'] = ! empty( $input['order']['admin'] );
	$order                  = new WC_Order( $input['order']['meta'] );
	$lines                  = array();
	foreach ( $input['order']['items'] as $item_id ) {
		$shown = apply_filters( 'woocommerce_order_item_get_formatted_meta_data', array(), new WC_Order_Item_Line( $item_id, $order ) );
		$lines[ (string) $item_id ] = array_map(
			function ( $m ) {
				return $m->display_key . ': ' . $m->display_value;
			},
			array_values( $shown )
		);
	}
	ob_start();
	do_action( 'woocommerce_admin_order_data_after_order_details', $order );
	$out['order'] = array( 'lines' => $lines, 'details' => ob_get_clean() );
}
echo json_encode( $out );
